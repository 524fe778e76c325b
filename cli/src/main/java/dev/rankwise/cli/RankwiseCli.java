package dev.rankwise.cli;

import dev.rankwise.runtime.train.NonFiniteLossException;
import dev.rankwise.runtime.data.TaskFileException;
import dev.rankwise.runtime.io.AdapterFileException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotDirectoryException;
import picocli.CommandLine.Command;
import picocli.CommandLine.ParseResult;
import picocli.CommandLine;

/**
 * The {@code rankwise} command line: fine-tune all-MiniLM-L6-v2 with the declared methods, evaluate
 * saved adapters, predict labels, or run the whole comparison.
 *
 * <p>Exit codes: 0 success; 1 an internal failure (a bug: please report it with {@code --verbose});
 * 2 the user's input is wrong (options, data or adapter files, or an {@code --out} in use by another
 * run: the message says what and where); 3 training diverged (a non-finite loss or gradient; nothing
 * was saved over earlier work; the checkpoints before it are intact); 4 a soak's memory grew past its
 * bounds; 5 a cell run again by {@code experiment --reproduce} gave other figures than its record; 74
 * an I/O failure (disk full, read-only or unwritable folder, device error: the message
 * names the path; sysexits' EX_IOERR); 130 stopped by Ctrl-C (SIGINT) and 143 stopped by SIGTERM,
 * 128 plus the signal as shells report it, {@code train} after saving a checkpoint ({@code --resume}
 * continues it).
 */
@Command(name = "rankwise", mixinStandardHelpOptions = true, version = "rankwise 0.1.0-SNAPSHOT",
    description = "Parameter-efficient fine-tuning of all-MiniLM-L6-v2 on task data.",
    subcommands = {DemoCommand.class, TrainCommand.class, EvalCommand.class, PredictCommand.class,
        ExperimentCommand.class, SoakCommand.class, AddTaskCommand.class, ExportCommand.class,
        ImportCommand.class, ServeCommand.class, LoadTestCommand.class},
    exitCodeListHeading = "%nExit codes:%n",
    exitCodeList = {
        "0:success",
        "1:internal failure (run again with --verbose and report it)",
        "2:bad input (options, data, adapter files) or --out in use by another run",
        "3:training diverged (non-finite loss or gradient); earlier checkpoints intact",
        "4:soak: memory grew past its bounds",
        "5:experiment --reproduce: the cell run again gave other figures than its record",
        "74:I/O failure (disk full, read-only folder); the message names the path",
        "130:stopped by Ctrl-C (train: after saving a checkpoint; --resume continues)",
        "143:stopped by SIGTERM (train: after saving a checkpoint; --resume continues; serve: exits 0)"})
public final class RankwiseCli {

  /** Exit code of success. */
  public static final int OK = 0;

  /** Exit code of an internal failure: a bug. */
  public static final int INTERNAL = 1;

  /** Exit code of wrong input: options, data, adapter files, or an output folder in use. */
  public static final int USER_ERROR = 2;

  /** Exit code of a diverged run. */
  public static final int DIVERGED = 3;

  /** Exit code of a soak whose memory grew past its bounds. */
  public static final int MEMORY_GREW = 4;

  /** Exit code of {@code experiment --reproduce} when the cell run again differs from its record. */
  public static final int NOT_REPRODUCED = 5;

  /** Exit code of an I/O failure (disk full, read-only folder): sysexits' EX_IOERR. */
  public static final int IO_ERROR = 74;

  /** Exit code of a run stopped by Ctrl-C: 128 + SIGINT. */
  public static final int INTERRUPTED = 128 + 2;

  /** Exit code of a run stopped by SIGTERM: 128 + SIGTERM. */
  public static final int TERMINATED = 128 + 15;

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
      line.getErr().println("rankwise: " + switch (code) {
        case INTERNAL -> "internal error: " + message(exception);
        case IO_ERROR -> "I/O error: " + ioMessage(exception);
        default -> "error: " + message(exception);
      });
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
    if (help || !(leaf.commandSpec().userObject() instanceof WritesOutput writer) || writer.outputFolder() == null) {
      return new CommandLine.RunLast().execute(parsed);
    }
    String command = "rankwise " + String.join(" ", parsed.originalArgs());
    try (OutputLock lock = OutputLock.acquire(writer.outputFolder(), command)) {
      return new CommandLine.RunLast().execute(parsed);
    } catch (IOException | OutputLock.InUseException e) {
      throw new CommandLine.ExecutionException(leaf.commandSpec().commandLine(), e.getMessage(), e);
    }
  }

  /**
   * The exit code of a failure: {@link #USER_ERROR} when the input is wrong (a message about options,
   * data or adapter files, or a path that names nothing or the wrong kind of thing), {@link #IO_ERROR}
   * when the file system fails the run (any other I/O exception: no space, read-only, permission,
   * device), {@link #DIVERGED}, else {@link #INTERNAL}.
   */
  static int exitCode(Throwable exception) {
    if (exception instanceof NonFiniteLossException) {
      return DIVERGED;
    }
    if (exception instanceof IllegalArgumentException || exception instanceof OutputLock.InUseException) {
      return USER_ERROR;
    }
    Throwable io = exception instanceof UncheckedIOException unchecked ? unchecked.getCause() : exception;
    if (io instanceof TaskFileException || io instanceof AdapterFileException
        || io instanceof NoSuchFileException || io instanceof NotDirectoryException
        || io instanceof FileAlreadyExistsException) {
      return USER_ERROR;
    }
    if (io instanceof IOException) {
      return IO_ERROR;
    }
    return INTERNAL;
  }

  /** An I/O failure's message, path first: {@code <path>: <reason>}. */
  static String ioMessage(Throwable exception) {
    Throwable io = exception instanceof UncheckedIOException unchecked ? unchecked.getCause() : exception;
    if (io instanceof FileSystemException failed && failed.getFile() != null) {
      String reason = failed.getReason() != null ? failed.getReason()
          : failed instanceof AccessDeniedException ? "permission denied" : failed.getClass().getSimpleName();
      return failed.getFile() + (failed.getOtherFile() != null ? " -> " + failed.getOtherFile() : "") + ": " + reason;
    }
    return message(io);
  }

  private static String message(Throwable exception) {
    String message = exception.getMessage();
    return message == null ? exception.getClass().getSimpleName() : message;
  }
}
