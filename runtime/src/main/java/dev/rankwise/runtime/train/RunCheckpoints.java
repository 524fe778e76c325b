package dev.rankwise.runtime.train;

import dev.rankwise.runtime.io.Checkpoint;
import dev.rankwise.runtime.io.CheckpointDirectory;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A run's side of {@link Checkpointing}: resumes from the newest valid checkpoint of the same run,
 * saves after the steps it is told to and at the end, and stops the run (after saving) when asked.
 * It reports to the run's {@link TrainerListener} and logs; it never prints.
 */
final class RunCheckpoints {

  private static final Logger LOG = LoggerFactory.getLogger(RunCheckpoints.class);

  private final Checkpointing settings;
  private final CheckpointDirectory folder;
  private final Supplier<String> describe;
  private final TrainerListener listener;
  private String run;

  /**
   * @param describe what the run is ({@link RunIdentity#describe}), asked once and only if the run
   *     checkpoints (it reads every row); a checkpoint of another run is refused
   */
  RunCheckpoints(Checkpointing settings, Supplier<String> describe, TrainerListener listener) {
    this.settings = settings;
    this.folder = settings.enabled() ? new CheckpointDirectory(settings.directory(), settings.keep()) : null;
    this.describe = describe;
    this.listener = listener;
  }

  /** What the run is, described on first use. */
  private String run() {
    if (run == null) {
      run = describe.get();
    }
    return run;
  }

  /**
   * Restores the newest valid checkpoint into {@code state} if resuming.
   *
   * @return its step, or 0 to start afresh
   */
  int resume(TrainingState state) {
    if (folder == null) {
      return 0;
    }
    try {
      List<Path> files = folder.files();
      if (!settings.resume()) {
        if (!files.isEmpty()) {
          throw new IllegalArgumentException(folder.directory() + " already holds checkpoints of a run ("
              + files.get(files.size() - 1).getFileName() + "); resume it, or choose another folder or remove them");
        }
        return 0;
      }
      Optional<CheckpointDirectory.Loaded> newest = folder.newestValid(reason -> {
        LOG.warn(reason);
        listener.onCheckpointSkipped(reason);
      });
      if (newest.isEmpty()) {
        LOG.info("no valid checkpoint in {}; starting from step 1", folder.directory());
        listener.onResume(0, Optional.empty());
        return 0;
      }
      Checkpoint checkpoint = newest.get().checkpoint();
      if (!checkpoint.run().equals(run())) {
        throw new IllegalArgumentException(newest.get().file() + " belongs to another run: "
            + RunIdentity.difference(checkpoint.run(), run())
            + "; resume with the settings and data it was written with, or use another folder");
      }
      state.restore(checkpoint);
      LOG.info("resuming from {} (step {})", newest.get().file(), checkpoint.step());
      listener.onResume(checkpoint.step(), Optional.of(newest.get().file()));
      return checkpoint.step();
    } catch (IOException e) {
      throw new UncheckedIOException(
          "cannot read the checkpoints in " + folder.directory() + ": " + e.getMessage(), e);
    }
  }

  /**
   * Saves after {@code step} if it is due (every {@code every} steps, and the last), and stops the
   * run if a stop was requested, saving first if the step was not saved already.
   *
   * @param last whether the run ends after this step (its last step, or an early stop)
   * @throws TrainingStoppedException on a requested stop before the last step
   */
  void afterStep(TrainingState state, int step, boolean last) {
    boolean due = last || (settings.every() > 0 && step % settings.every() == 0);
    Path saved = folder != null && due ? save(state, step) : null;
    if (!last && settings.stopRequested().getAsBoolean()) {
      if (folder != null && saved == null) {
        saved = save(state, step);
      }
      throw new TrainingStoppedException(step, saved);
    }
  }

  private Path save(TrainingState state, int step) {
    try {
      Path file = folder.write(state.save(step, run()));
      LOG.debug("saved {} after step {}", file, step);
      listener.onCheckpointSaved(step, file);
      return file;
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write a checkpoint into " + folder.directory()
          + " after step " + step + " (the earlier checkpoints are intact): " + e.getMessage(), e);
    }
  }
}
