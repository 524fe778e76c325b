package dev.rankwise.runtime.train;

import java.util.ArrayList;
import java.util.List;

/** Applies a run's {@link TrainingConfig.OnNonFinite} policy to its steps and counts what it skipped. */
final class NonFiniteGuard {

  /** Skipped batches in a row after which a skipping run stops anyway: it has stopped learning. */
  static final int MAX_CONSECUTIVE_SKIPS = 10;

  private final TrainingConfig.OnNonFinite policy;
  private final List<Integer> skipped = new ArrayList<>();
  private int consecutive;

  NonFiniteGuard(TrainingConfig.OnNonFinite policy) {
    this.policy = policy;
  }

  /**
   * Runs a step.
   *
   * @return whether it ran to the end (false: skipped under {@code SKIP})
   * @throws NonFiniteLossException under {@code STOP}, or after too many skips in a row
   */
  boolean run(int step, Runnable body) {
    try {
      body.run();
      consecutive = 0;
      return true;
    } catch (NonFiniteLossException e) {
      if (policy == TrainingConfig.OnNonFinite.STOP) {
        throw e;
      }
      skipped.add(step);
      if (++consecutive >= MAX_CONSECUTIVE_SKIPS) {
        throw NonFiniteLossException.tooManySkipped(
            step, List.copyOf(skipped.subList(skipped.size() - consecutive, skipped.size())), e.getMessage());
      }
      return false;
    }
  }

  /** The steps skipped so far, in order. */
  List<Integer> skipped() {
    return skipped;
  }

  /** Continues after the given skipped steps (from a checkpoint). */
  void restore(List<Integer> savedSkipped) {
    skipped.clear();
    skipped.addAll(savedSkipped);
    consecutive = 0;
  }
}
