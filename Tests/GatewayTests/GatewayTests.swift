import Testing

@testable import Gateway
@testable import InvocationCore
