package dev.rankwise.runtime.data;

import java.io.IOException;
import java.nio.file.Path;

/**
 * A task data file or task declaration that is missing or malformed. The message starts with {@code
 * file:line:} (or {@code file:} when the fault is not on one line), says what is wrong and what to
 * do.
 */
public final class TaskFileException extends IOException {

  private static final long serialVersionUID = 1L;

  private final transient Path file;
  private final long line;
  private final String problem;

  /**
   * Creates the exception.
   *
   * @param file the file at fault
   * @param line the 1-based line at fault, or 0 when the fault is not on one line
   * @param problem what is wrong and what to do
   */
  public TaskFileException(Path file, long line, String problem) {
    super(location(file, line) + ": " + problem);
    this.file = file;
    this.line = line;
    this.problem = problem;
  }

  /** Returns {@code file:line}, or just the file when {@code line} is 0. */
  static String location(Path file, long line) {
    return line > 0 ? file + ":" + line : String.valueOf(file);
  }

  /** The file at fault. */
  public Path file() {
    return file;
  }

  /** The 1-based line at fault, or 0 when the fault is not on one line. */
  public long line() {
    return line;
  }

  /** What is wrong and what to do, without the location. */
  public String problem() {
    return problem;
  }
}
