package dev.rankwise.cli.study;

import java.util.List;

/**
 * One run of a study: a method trained on some tasks with one seed.
 *
 * @param experiment the part of the study it belongs to ({@code claim1}, {@code claim2}, {@code
 *     ablations})
 * @param method the method's id
 * @param tasks the tasks trained together
 * @param seed the training seed (initialisation and batch order; the data subset is fixed)
 */
public record Cell(String experiment, String method, List<String> tasks, long seed) {

  /** Copies the task list. */
  public Cell {
    tasks = List.copyOf(tasks);
  }

  /** A stable id, such as {@code claim2/rank-experts/spam+finefood+grain+corn/seed=3}. */
  public String id() {
    return experiment + "/" + method + "/" + String.join("+", tasks) + "/seed=" + seed;
  }
}
