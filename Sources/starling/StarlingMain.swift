import ArgumentParser
import StarlingCommands

@main
struct StarlingMain {
  static func main() async {
    await StarlingCommand.main()
  }
}
