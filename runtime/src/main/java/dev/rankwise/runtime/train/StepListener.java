package dev.rankwise.runtime.train;

import ai.djl.ndarray.NDManager;

/** Called after every step of a multi-task run, such as to sample memory over a long run. */
@FunctionalInterface
public interface StepListener {

  /** Does nothing. */
  StepListener NONE = (step, loss, runManager) -> { };

  /**
   * Called after a step (and its checkpoint, if one was due).
   *
   * @param step the step just taken, from 1
   * @param loss its objective, NaN if it was skipped
   * @param runManager the run's manager, holding the optimizer's state (the step's own arrays are
   *     closed by now, so what it holds should not grow)
   */
  void afterStep(int step, double loss, NDManager runManager);
}
