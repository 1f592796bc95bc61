@testable import InvocationCore
import Testing
@testable import Gateway
