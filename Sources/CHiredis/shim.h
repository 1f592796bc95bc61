#ifndef MLGATEWAY_CHIREDIS_SHIM_H
#define MLGATEWAY_CHIREDIS_SHIM_H
#include <hiredis/hiredis.h>
#include <hiredis/read.h>
#include <stdlib.h>

/* The most elements one RESP array may declare. hiredis 0.14 (Debian 12's) allocates a declared array whole when
   it reads the array's header, before any element arrives: `*888888881` asked for 7 GB (found by the resp fuzz
   target). hiredis 1.x bounds this with `maxelements`; here the reader's array constructor refuses more, which
   hiredis reports as its out-of-memory error. The gateway's largest replies are a view's features and a SCAN page. */
#define MLGW_MAX_ARRAY_ELEMENTS 1048576

/* hiredis's own array constructor (createArrayObject in hiredis.c, which it does not export), with the bound. */
static inline void *mlgw_create_array(const redisReadTask *task, int elements) {
    if (elements > MLGW_MAX_ARRAY_ELEMENTS) return NULL;
    redisReply *reply = calloc(1, sizeof(*reply));
    if (reply == NULL) return NULL;
    reply->type = REDIS_REPLY_ARRAY;
    if (elements > 0) {
        reply->element = calloc((size_t)elements, sizeof(redisReply *));
        if (reply->element == NULL) {
            free(reply);
            return NULL;
        }
    }
    reply->elements = (size_t)elements;
    if (task->parent) {
        redisReply *parent = task->parent->obj;
        parent->element[task->idx] = reply;
    }
    return reply;
}

/* A reader with hiredis's reply objects whose arrays are bounded by MLGW_MAX_ARRAY_ELEMENTS; its reply functions
   are its own copy, so free it with mlgw_reader_free. */
static inline redisReader *mlgw_reader_create(void) {
    redisReader *reader = redisReaderCreate();
    if (reader == NULL) return NULL;
    redisReplyObjectFunctions *functions = malloc(sizeof(*functions));
    if (functions == NULL) {
        redisReaderFree(reader);
        return NULL;
    }
    *functions = *reader->fn;
    functions->createArray = mlgw_create_array;
    reader->fn = functions;
    return reader;
}

static inline void mlgw_reader_free(redisReader *reader) {
    redisReplyObjectFunctions *functions = reader->fn;
    redisReaderFree(reader);
    free(functions);
}
#endif
