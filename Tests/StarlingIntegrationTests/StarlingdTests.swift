import Testing

/// Every test that runs `starlingd`: one at a time, since they share the private
/// containerd's snapshotter socket (suites otherwise run in parallel).
@Suite(.serialized) enum StarlingdTests {}
