package dev.rankwise.runtime.train;

import java.nio.file.Path;
import java.util.Optional;

/** A run stopped early on request (such as Ctrl-C), after saving a checkpoint if it had a folder for them. */
public final class TrainingStoppedException extends RuntimeException {

  private static final long serialVersionUID = 1L;

  private final int step;
  private final transient Path checkpoint;

  /**
   * Creates the exception.
   *
   * @param step the last step taken
   * @param checkpoint the checkpoint saved after it, or null if the run had no checkpoint folder
   */
  public TrainingStoppedException(int step, Path checkpoint) {
    super("training stopped on request after step " + step
        + (checkpoint != null ? "; saved " + checkpoint + " (resume to continue from it)" : "; no checkpoint folder was set"));
    this.step = step;
    this.checkpoint = checkpoint;
  }

  /** The last step taken. */
  public int step() {
    return step;
  }

  /** The checkpoint saved on stopping, if any. */
  public Optional<Path> checkpoint() {
    return Optional.ofNullable(checkpoint);
  }
}
