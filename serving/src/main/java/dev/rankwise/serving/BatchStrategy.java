package dev.rankwise.serving;

/**
 * How the {@link Batcher} fills a forward pass from the queue. Rows of different adapter folders
 * never share a pass: each folder's classifier is its own model.
 */
public enum BatchStrategy {

  /**
   * Rows of any tasks of one folder share a pass (mixed-task routing: each row goes through its
   * own task's adapters and head), up to the row and token budgets or the wait.
   */
  CROSS_TASK,

  /** Rows of one task share a pass, up to the budgets or the wait: one pass per task. */
  PER_TASK,

  /** One request per pass, as it came (split only where it exceeds the budgets); no waiting. */
  NONE
}
