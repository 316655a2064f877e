/// Why an image could not be mounted or unmounted.
public enum MountError: Error, CustomStringConvertible {
  /// A layer is not a Starling chunked layer, so it cannot be served lazily.
  case notConverted(image: String, layer: Int, mediaType: String)
  /// The image has no layers.
  case noLayers(image: String)
  /// The mount point is missing or not a directory.
  case badMountpoint(path: String, reason: String)
  /// Something is already mounted there.
  case alreadyMounted(path: String)
  /// Nothing Starling mounted is there.
  case notMounted(path: String)
  /// The mount is in use and was not forced.
  case busy(path: String)
  /// The serving process did not stop in time.
  case stuck(path: String, pid: Int32)

  public var description: String {
    switch self {
    case .notConverted(let image, let layer, let mediaType):
      "\(image) is not a Starling image: layer \(layer) is \(mediaType) without a chunk index; "
        + "convert it first with `starling convert \(image) <target>`"
    case .noLayers(let image): "\(image) has no layers to mount"
    case .badMountpoint(let path, let reason): "cannot mount at \(path): \(reason)"
    case .alreadyMounted(let path): "\(path) is already a mount point; unmount it first (`starling umount \(path)`)"
    case .notMounted(let path): "\(path) is not a Starling mount"
    case .busy(let path): "\(path) is busy (files open or a process inside); stop them, or use --force to detach it"
    case .stuck(let path, let pid): "the process serving \(path) (pid \(pid)) did not exit; its mounts were detached"
    }
  }
}
