import GatewayAuth
import InvocationCore
import Logging
import PostgresState

extension GatewayConfiguration {
    /// The stores of API keys and templates this configuration names: the shared PostgreSQL of `[state]`, running
    /// for the rest of this command's process, or SQLite in `state_dir`.
    func commandStateStore() -> PostgresStateStore? {
        guard let state else { return nil }
        let store = PostgresStateStore(
            location: state.postgres,
            logger: Logger(label: "mlgateway.state", factory: { _ in SwiftLogNoOpLogHandler() }))
        store.startForCommand()
        return store
    }

    /// The key store of this configuration.
    func commandKeyStore(masterKey: MasterKey?) throws(KeyStoreError) -> KeyStore {
        if let stateStore = commandStateStore() { return KeyStore(postgres: stateStore, masterKey: masterKey) }
        return try KeyStore(stateDirectory: server.stateDirectory, masterKey: masterKey)
    }

    /// The template store of this configuration.
    func commandTemplateStore() throws(TemplateStoreError) -> TemplateStore {
        if let stateStore = commandStateStore() { return TemplateStore(postgres: stateStore) }
        return try TemplateStore(stateDirectory: server.stateDirectory)
    }
}
