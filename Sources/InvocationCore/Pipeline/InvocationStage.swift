import Logging

/// Where an invocation is on its way down ``InvocationPipeline``, with what the stages before left for the next.
///
/// A plain value, so that the same stages run on the event loop for as long as each can finish at once, and in a
/// task from the first one that must wait: the pipeline's two drivers differ only in that.
package enum InvocationStage: Sendable {
    /// Check the credentials the endpoint requires: an API key is checked and admitted under its limits, a SigV4
    /// signature is parsed.
    case authenticate
    /// Check the SageMaker headers and the body.
    case read(PendingAuthentication)
    /// Verify a SigV4 signature over the body and admit its key.
    case verify(PendingAuthentication, Invocation)
    /// Join features from the online feature store.
    case enrich(Invocation)
    /// Choose the production variant.
    case route(Invocation)
    /// Apply the request template.
    case transform(Invocation, VariantRuntime)
    /// Call a backend of the variant.
    case call(Invocation, VariantRuntime, InvocationPipeline.TemplateRendering?)
    /// Capture, apply the response template, send shadow copies and count the success.
    case respond(Invocation, InvocationResult, InvocationPipeline.TemplateRendering?)
    /// The answer for the client.
    case answered(InvocationResult)
}

extension InvocationStage {
    /// The name of the stage's span in a trace; nil for the answer, which is no stage.
    var spanName: String? {
        switch self {
        case .authenticate: "authenticate"
        case .read: "read"
        case .verify: "verify signature"
        case .enrich: "enrich"
        case .route: "route"
        case .transform: "request template"
        case .call: "call model"
        case .respond: "respond"
        case .answered: nil
        }
    }
}

/// The constants of one invocation: the request and the endpoint in force when it started.
package struct InvocationRun: Sendable {
    package let request: InvocationRequest
    package let endpoint: EndpointRuntime
    /// The body limit: the server's `max_body_bytes`, or the entry point's own.
    package let maxBodyBytes: Int
    /// How long the model may take to answer.
    package let timeout: Duration
    /// The pipeline, whose logger ``logger`` starts from.
    package let pipeline: InvocationPipeline
    /// The invocation's trace, when `[tracing]` sampled it.
    package let trace: InvocationTrace?
    /// The stages' durations, while the JSON access log is on.
    package let stages: StageClock?

    /// The request's logger, with its id as `hb.request.id`; made only when something is logged.
    package var logger: Logger { pipeline.logger(for: request) }
}

/// What an entry point changes in the pipeline's run.
package struct InvocationOptions: Sendable {
    /// The body limit, when not the server's `max_body_bytes` (async invocations have their own).
    package var maxBodyBytes: Int?
    /// How long the model may take, when not the endpoint's backend `timeout`.
    package var timeout: Duration?
    /// Whether the credentials were checked when the invocation was accepted (async invocations), so that the run
    /// starts after authentication.
    package var authenticated = false

    /// The stage a run starts at.
    package var firstStage: InvocationStage {
        authenticated ? .read(PendingAuthentication(state: .open)) : .authenticate
    }
}
