package dev.rankwise.cli.study;

import java.util.List;

/**
 * One run of a study: a method trained on some tasks with one seed, on a base with its adapters
 * placed somewhere, either tuning the learning rate or with the rate tuning chose.
 *
 * @param experiment the part of the study it belongs to ({@code claim1}, {@code claim2}, {@code
 *     ablations})
 * @param method the method's id
 * @param tasks the tasks trained together
 * @param seed the training seed (initialisation and batch order; the data subset is fixed)
 * @param base the base model's name; null in the first study's grid (all-MiniLM-L6-v2)
 * @param placement the adapters' placement ({@code top-two}, {@code every-layer}); null in the first
 *     study's grid (the top two layers)
 * @param learningRate the rate a tuning run tries; 0 for a run with the grid's or the tuned rate
 */
public record Cell(String experiment, String method, List<String> tasks, long seed, String base,
    String placement, double learningRate) {

  /** Copies the task list. */
  public Cell {
    tasks = List.copyOf(tasks);
  }

  /** A cell of the first study's grid: all-MiniLM-L6-v2, the top two layers, the grid's rate. */
  public Cell(String experiment, String method, List<String> tasks, long seed) {
    this(experiment, method, tasks, seed, null, null, 0);
  }

  /** Whether the run tunes: scored on validation rows at {@link #learningRate}, test rows unread. */
  public boolean tuning() {
    return learningRate > 0;
  }

  /**
   * A stable id, such as {@code claim2/rank-experts/spam+finefood+grain+corn/seed=3}, or with base,
   * placement and a tuning rate {@code claim1/lora-8/spam/bge-small-en-v1.5/top-two/lr=0.003/seed=0}.
   */
  public String id() {
    StringBuilder id = new StringBuilder(experiment).append('/').append(method).append('/')
        .append(String.join("+", tasks));
    if (base != null) {
      id.append('/').append(base);
    }
    if (placement != null) {
      id.append('/').append(placement);
    }
    if (tuning()) {
      id.append("/lr=").append(rate(learningRate));
    }
    return id.append("/seed=").append(seed).toString();
  }

  /** A rate as ids and reports write it: {@code 0.003}. */
  static String rate(double rate) {
    return java.math.BigDecimal.valueOf(rate).stripTrailingZeros().toPlainString();
  }
}
