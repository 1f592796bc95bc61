import WireFormats

extension TemplateKey {
    /// Parses the parts of an admin URL or CLI arguments into a key and checks it against the configuration: the
    /// endpoint must exist and the variant, if any, must be one of its production variants.
    public init(
        endpoint: String, variant: String?, direction: String, contentType: String,
        in configuration: GatewayConfiguration
    ) throws(TemplateStoreError) {
        guard let parsedDirection = TemplateDirection(rawValue: direction.lowercased()) else {
            throw .badKey("The direction must be \"request\" or \"response\", not \"\(direction)\".")
        }
        let type = MediaType.normalize(contentType)
        guard MediaType.isConcrete(type) else {
            throw .badKey("\"\(contentType)\" is not a media type like application/json.")
        }
        guard let configured = configuration.endpoint(named: endpoint) else {
            throw .badKey("Endpoint \(endpoint) is not configured.")
        }
        let variantName = variant ?? ""
        if !variantName.isEmpty {
            guard configured.productionVariants.contains(where: { $0.name == variantName }) else {
                let known = configured.productionVariants.map(\.name).joined(separator: ", ")
                throw .badKey(
                    "Endpoint \(endpoint) has no production variant \(variantName) (production variants: \(known)).")
            }
        }
        self.init(endpoint: endpoint, variant: variantName, direction: parsedDirection, contentType: type)
    }

    /// The `gateway.conf` template of this key, if declared.
    public func fileTemplate(in configuration: GatewayConfiguration) -> FileTemplate? {
        guard let endpointConfiguration = configuration.endpoint(named: endpoint) else { return nil }
        let templates =
            variant.isEmpty
            ? endpointConfiguration.templates : endpointConfiguration.variants.first { $0.name == variant }?.templates
        return templates?.templates(direction)[contentType]
    }
}
