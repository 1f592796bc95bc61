#ifndef MLGATEWAY_CHIREDIS_SHIM_H
#define MLGATEWAY_CHIREDIS_SHIM_H
#include <hiredis/hiredis.h>
#include <hiredis/read.h>
#endif
