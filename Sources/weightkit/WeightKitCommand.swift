import ArgumentParser
import WeightKitCheckpoints
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The `weightkit` command line: a thin layer over the WeightKit libraries.
///
/// Exit codes: 0 success, 1 a check or verification failed, 2 bad input or usage.
@main
struct WeightKitCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "weightkit",
        abstract:
            "Inspect, convert, map and verify transformer checkpoints (safetensors, .wkc, Keras and Hugging Face HDF5, PyTorch .bin/.pt).",
        discussion: "Exit codes: 0 success, 1 a check failed, 2 bad input or usage.",
        version: WeightKitVersion.string,
        subcommands: [
            InspectCommand.self, ConvertCommand.self, CheckCommand.self, MapCommand.self, VerifyCommand.self,
            DiffCommand.self, BenchCommand.self, ParamsCommand.self, TokenizeCommand.self, RunCommand.self,
        ]
    )

    static func main() {
        // A write past a file-size limit (ulimit -f) must be an error we report and clean up
        // after (EFBIG), not SIGXFSZ killing the process with a temporary file left behind.
        signal(SIGXFSZ, SIG_IGN)
        var command: any ParsableCommand
        do { command = try parseAsRoot() } catch {
            // Usage errors, including a subcommand's own validate(): their message, exit 2.
            if exitCode(for: error) == .success { exit(withError: error) }  // --help, --version
            Terminal.printError(fullMessage(for: error))
            exit(withError: ExitCode(2))
        }
        do {
            try command.run()
        } catch let code as ExitCode {
            exit(withError: code)
        } catch let failure as CommandFailure {
            Terminal.printError(failure.message)
            exit(withError: ExitCode(failure.code))
        } catch {
            let code = exitCode(for: error)
            if code == .success { exit(withError: error) }  // --help, --version
            if code == .validationFailure || error is ValidationError || code.rawValue == 64 {
                // Usage errors: ArgumentParser's own message, but our exit code.
                Terminal.printError(fullMessage(for: error))
                exit(withError: ExitCode(2))
            }
            // Anything a library threw: bad input.
            Terminal.printError("error: \(error)")
            exit(withError: ExitCode(2))
        }
    }
}

/// A failure with a chosen exit code and message.
struct CommandFailure: Error {
    var message: String
    var code: Int32
}
