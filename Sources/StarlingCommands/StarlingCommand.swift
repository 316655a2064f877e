public import ArgumentParser
import StarlingRegistry

/// The `starling` command line.
public struct StarlingCommand: AsyncParsableCommand {
  public static let configuration = CommandConfiguration(
    commandName: "starling",
    abstract: "Lazy-loading container images: convert, copy, inspect and mount images for starlingd.",
    discussion: """
      Image locations are registry references (host/repo:tag, host/repo@sha256:…, or with a \
      docker:// prefix) or OCI image layout folders (oci:DIR or oci:DIR:TAG). \
      Registry credentials come from --creds flags, else from docker's config.json \
      ($DOCKER_CONFIG/config.json or ~/.docker/config.json). Loopback registries use plain \
      HTTP; name others with --insecure-registry.
      """,
    version: StarlingVersion.current,
    subcommands: [
      CopyCommand.self, ConvertCommand.self, InspectCommand.self, CheckCommand.self, MountCommand.self,
      UmountCommand.self, StatusCommand.self, ConfigCommand.self, MountGuardCommand.self,
    ]
  )

  public init() {}
}
