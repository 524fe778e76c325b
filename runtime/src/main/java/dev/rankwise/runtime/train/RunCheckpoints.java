package dev.rankwise.runtime.train;

import ai.djl.nn.Parameter;
import dev.rankwise.runtime.io.Checkpoint;
import dev.rankwise.runtime.io.CheckpointDirectory;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
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
  private final String run;
  private final TrainerListener listener;

  /**
   * @param run what the run is ({@link #describe}); a checkpoint of another run is refused
   */
  RunCheckpoints(Checkpointing settings, String run, TrainerListener listener) {
    this.settings = settings;
    this.folder = settings.enabled() ? new CheckpointDirectory(settings.directory(), settings.keep()) : null;
    this.run = run;
    this.listener = listener;
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
      if (!checkpoint.run().equals(run)) {
        throw new IllegalArgumentException(newest.get().file() + " belongs to another run: "
            + firstDifference(checkpoint.run(), run)
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
      Path file = folder.write(state.save(step, run));
      LOG.debug("saved {} after step {}", file, step);
      listener.onCheckpointSaved(step, file);
      return file;
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write a checkpoint into " + folder.directory()
          + " after step " + step + " (the earlier checkpoints are intact): " + e.getMessage(), e);
    }
  }

  /**
   * What a run is, as {@code key=value} pairs: the settings, each task's rows, classes, batch
   * share and input shape, and the trained parameters' names and shapes. Settings added since the
   * first checkpoints appear only when they differ from their defaults, so that those still resume.
   */
  static String describe(TrainingConfig config, List<TaskData> tasks, int[] share, int totalSteps,
      Map<String, Parameter> parameters) {
    List<String> parts = new ArrayList<>();
    parts.add("steps=" + totalSteps);
    parts.add("batch=" + config.batchSize());
    parts.add("learningRate=" + config.learningRate());
    parts.add("weightDecay=" + config.weightDecay());
    parts.add("warmup=" + config.warmupSteps());
    parts.add("decay=" + config.decay() + "@" + config.finalRate());
    parts.add("maxGradNorm=" + config.maxGradNorm());
    parts.add("seed=" + config.seed());
    if (!config.shuffle()) {
      parts.add("shuffle=false");
    }
    if (config.evaluates()) {
      parts.add("evaluateEvery=" + config.evaluateEvery());
      parts.add("bestMetric=" + config.bestMetric());
      parts.add("keepBest=" + config.keepBest());
      parts.add("patience=" + config.patience());
    }
    for (int t = 0; t < tasks.size(); t++) {
      TaskData task = tasks.get(t);
      parts.add("task." + task.name() + "=" + task.trainRows() + " rows, " + task.classes() + " classes, "
          + share[t] + " per batch, inputs " + task.trainInputs().getShape()
          + (config.evaluates() ? ", " + task.validationInputs().getShape().get(0) + " validation rows" : ""));
    }
    MessageDigest digest = sha256();
    parameters.forEach((name, parameter) ->
        digest.update((name + parameter.getArray().getShape()).getBytes(StandardCharsets.UTF_8)));
    parts.add("parameters=" + parameters.size() + " named " + HexFormat.of().formatHex(digest.digest(), 0, 8));
    return String.join("; ", parts);
  }

  private static String firstDifference(String saved, String current) {
    List<String> before = List.of(saved.split("; "));
    List<String> now = List.of(current.split("; "));
    for (int i = 0; i < Math.max(before.size(), now.size()); i++) {
      String was = i < before.size() ? before.get(i) : "(nothing)";
      String is = i < now.size() ? now.get(i) : "(nothing)";
      if (!was.equals(is)) {
        return "it has " + was + ", this run " + is;
      }
    }
    return "(no difference found)";
  }

  private static MessageDigest sha256() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every Java platform has SHA-256", e);
    }
  }
}
