package dev.rankwise.runtime.train;

import java.nio.file.Path;
import java.util.Optional;

/**
 * What a {@link TaskTrainer} run reports as it goes: steps, evaluations, checkpoints, the end. The
 * trainer never prints; an application shows progress by listening (the command line's progress
 * bar is one), and the trainer also logs through slf4j. Every method does nothing by default, and
 * all are called on the training thread.
 */
public interface TrainerListener {

  /** Listens to nothing. */
  TrainerListener NONE = new TrainerListener() {};

  /**
   * Asked to resume: from {@code checkpoint} after {@code step}, or from step 1 when the folder
   * holds no valid checkpoint ({@code checkpoint} empty, {@code step} 0).
   */
  default void onResume(int step, Optional<Path> checkpoint) {}

  /** A checkpoint that does not read back was passed over on resuming; it stays for inspection. */
  default void onCheckpointSkipped(String reason) {}

  /**
   * Training starts (or continues after a resume) at {@code firstStep} of {@code totalSteps};
   * {@code firstStep} is {@code totalSteps + 1} when a finished run is resumed.
   */
  default void onTrainingBegin(int firstStep, int totalSteps) {}

  /**
   * A step ended (after its evaluation and checkpoint, if due).
   *
   * @param step the step, from 1
   * @param loss its objective, NaN if the step was skipped for a non-finite value
   */
  default void onStep(int step, double loss) {}

  /**
   * An evaluation on the validation rows ended.
   *
   * @param improved whether it is the best so far by {@link TrainingConfig#bestMetric()}
   */
  default void onEvaluation(Evaluation evaluation, boolean improved) {}

  /** A checkpoint of the run after {@code step} was written to {@code file}. */
  default void onCheckpointSaved(int step, Path file) {}

  /** The run ended: trained, weights kept, test rows evaluated. Not called when it throws. */
  default void onTrainingEnd(TrainingResult result) {}
}
