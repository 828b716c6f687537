/// Herald's version: `herald --version`, the ready log line, `herald_build_info` on `/metrics`.
/// It is `info.version` of `openapi.yaml` too (a test keeps the two equal).
public enum HeraldVersion {
    /// The version, semantic versioning.
    public static let current = "1.0.0"
}
