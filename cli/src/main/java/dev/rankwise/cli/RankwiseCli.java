package dev.rankwise.cli;

import dev.rankwise.runtime.train.NonFiniteLossException;
import java.io.IOException;
import java.io.UncheckedIOException;
import picocli.CommandLine.Command;
import picocli.CommandLine.ParseResult;
import picocli.CommandLine;

/**
 * The {@code rankwise} command line: fine-tune all-MiniLM-L6-v2 with the declared methods, evaluate
 * saved adapters, predict labels, or run the whole comparison.
 *
 * <p>Exit codes: 0 success; 1 an internal failure (a bug: please report it with {@code
 * --verbose}); 2 a usage error or bad input (options, data or adapter files: the message says what
 * and where); 3 training diverged (a non-finite loss or gradient; nothing was saved over earlier
 * work; the checkpoints before it are intact); 130 training stopped by Ctrl-C or SIGTERM after saving
 * a checkpoint ({@code --resume} continues it).
 */
@Command(name = "rankwise", mixinStandardHelpOptions = true, version = "rankwise 0.1.0-SNAPSHOT",
    description = "Parameter-efficient fine-tuning of all-MiniLM-L6-v2 on task data.",
    subcommands = {DemoCommand.class, TrainCommand.class, EvalCommand.class, PredictCommand.class,
        ExperimentCommand.class, SoakCommand.class, AddTaskCommand.class},
    exitCodeListHeading = "%nExit codes:%n",
    exitCodeList = {
        "0:success",
        "1:internal failure (run again with --verbose and report it)",
        "2:usage error or bad input (options, data, adapter files)",
        "3:training diverged (non-finite loss or gradient); earlier checkpoints intact",
        "130:training stopped by Ctrl-C or SIGTERM after saving a checkpoint (--resume continues)"})
public final class RankwiseCli {

  /** Exit code of an internal failure. */
  public static final int INTERNAL = 1;

  /** Exit code of a usage error or bad input. */
  public static final int USER_ERROR = 2;

  /** Exit code of a diverged run. */
  public static final int DIVERGED = 3;

  /** Exit code of a run stopped by Ctrl-C or SIGTERM after saving a checkpoint (128 + SIGINT). */
  public static final int STOPPED = 130;

  private RankwiseCli() {}

  /** Runs the command line and exits with its code. */
  public static void main(String[] args) {
    System.exit(run(args));
  }

  /** Runs the command line and returns its exit code. */
  public static int run(String... args) {
    CommandLine commandLine = new CommandLine(new RankwiseCli());
    // The last of a repeated option wins, so that options after the Maven profile's defaults override them.
    commandLine.setOverwrittenOptionsAllowed(true);
    commandLine.setExecutionStrategy(RankwiseCli::runLocked);
    commandLine.setExecutionExceptionHandler((exception, line, parsed) -> {
      boolean verbose = parsed.originalArgs().contains("--verbose");
      int code = exitCode(exception);
      line.getErr().println("rankwise: " + (code == INTERNAL ? "internal error: " : "error: ")
          + message(exception));
      if (verbose) {
        exception.printStackTrace(line.getErr());
      } else if (code == INTERNAL) {
        line.getErr().println("(run again with --verbose for the stack trace)");
      }
      return code;
    });
    return commandLine.execute(args);
  }

  /**
   * Runs the chosen command; one that writes into a folder ({@link WritesOutput}) runs holding that
   * folder's lock, taken before it reads or writes anything, so a second run is refused untouched.
   */
  private static int runLocked(ParseResult parsed) {
    ParseResult leaf = parsed;
    boolean help = parsed.isUsageHelpRequested() || parsed.isVersionHelpRequested();
    while (leaf.hasSubcommand()) {
      leaf = leaf.subcommand();
      help |= leaf.isUsageHelpRequested() || leaf.isVersionHelpRequested();
    }
    if (help || !(leaf.commandSpec().userObject() instanceof WritesOutput writer)) {
      return new CommandLine.RunLast().execute(parsed);
    }
    String command = "rankwise " + String.join(" ", parsed.originalArgs());
    try (OutputLock lock = OutputLock.acquire(writer.outputFolder(), command)) {
      return new CommandLine.RunLast().execute(parsed);
    } catch (IOException | OutputLock.InUseException e) {
      throw new CommandLine.ExecutionException(leaf.commandSpec().commandLine(), e.getMessage(), e);
    }
  }

  static int exitCode(Throwable exception) {
    if (exception instanceof NonFiniteLossException) {
      return DIVERGED;
    }
    // Data and adapter file errors (TaskFileException, AdapterFileException) are IOExceptions.
    if (exception instanceof IllegalArgumentException
        || exception instanceof OutputLock.InUseException
        || exception instanceof IOException
        || exception instanceof UncheckedIOException) {
      return USER_ERROR;
    }
    return INTERNAL;
  }

  private static String message(Throwable exception) {
    String message = exception.getMessage();
    return message == null ? exception.getClass().getSimpleName() : message;
  }
}
