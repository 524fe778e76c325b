package dev.rankwise.runtime.train;

import java.nio.file.Path;
import java.util.function.BooleanSupplier;

/**
 * Where and how often a run saves checkpoints, whether it resumes from one, and when it should stop
 * early (a Ctrl-C, say) after saving one.
 *
 * @param directory the run's checkpoint folder, or null for none
 * @param every save after every this many steps (0: only at the end and on a stop); the last step
 *     is always saved
 * @param keep how many of the newest checkpoints to keep, at least 1
 * @param resume continue from the newest valid checkpoint in {@code directory}, if any; without it a
 *     folder that already holds checkpoints is refused, so no earlier run is overwritten
 * @param stopRequested asked after every step; when it answers true the run saves a checkpoint and
 *     throws {@link TrainingStoppedException}
 */
public record Checkpointing(Path directory, int every, int keep, boolean resume, BooleanSupplier stopRequested) {

  /** Validates the values. */
  public Checkpointing {
    if (every < 0) {
      throw new IllegalArgumentException("checkpoint every must be >= 0 (0 = at the end only), got " + every);
    }
    if (keep < 1) {
      throw new IllegalArgumentException("keep must be at least 1 checkpoint, got " + keep);
    }
    if (resume && directory == null) {
      throw new IllegalArgumentException("resuming needs a checkpoint directory");
    }
    if (stopRequested == null) {
      throw new IllegalArgumentException("stopRequested must not be null (use () -> false)");
    }
  }

  /** No checkpoints, no resume, never stops early. */
  public static Checkpointing none() {
    return new Checkpointing(null, 0, 1, false, () -> false);
  }

  /** Checkpoints into {@code directory} at the end only, keeping 3, not resuming. */
  public static Checkpointing into(Path directory) {
    return new Checkpointing(directory, 0, 3, false, () -> false);
  }

  /** The same, saving after every {@code steps} steps. */
  public Checkpointing withEvery(int steps) {
    return new Checkpointing(directory, steps, keep, resume, stopRequested);
  }

  /** The same, keeping the newest {@code count}. */
  public Checkpointing withKeep(int count) {
    return new Checkpointing(directory, every, count, resume, stopRequested);
  }

  /** The same, resuming (or not) from the newest valid checkpoint. */
  public Checkpointing withResume(boolean resumeRun) {
    return new Checkpointing(directory, every, keep, resumeRun, stopRequested);
  }

  /** The same, stopping early when {@code stop} answers true. */
  public Checkpointing withStop(BooleanSupplier stop) {
    return new Checkpointing(directory, every, keep, resume, stop);
  }

  /** Whether checkpoints are written. */
  public boolean enabled() {
    return directory != null;
  }
}
