package dev.rankwise.spark;

import java.util.Arrays;
import java.util.Locale;
import java.util.stream.Collectors;

/** How an executor serves rows of several tasks with one frozen base. */
public enum Strategy {
  /**
   * Rows sorted by task within each partition; each task's run is served with that task's adapters
   * folded into the base weights ({@code AdaptedModel.mergeTask}), so a batch costs the base alone.
   */
  MERGED,
  /**
   * Rows in input order; a batch may mix tasks, and each row is routed to its task's adapters
   * ({@code TaskClassifier}), so no sort and no merge, at the adapters' cost per batch.
   */
  MIXED;

  /** The command-line name, such as {@code merged}. */
  public String id() {
    return name().toLowerCase(Locale.ROOT);
  }

  /**
   * The strategy with this command-line name.
   *
   * @throws IllegalArgumentException naming the strategies if there is none
   */
  public static Strategy byId(String id) {
    return Arrays.stream(values()).filter(s -> s.id().equals(id)).findFirst()
        .orElseThrow(() -> new IllegalArgumentException("no strategy '" + id + "'; the strategies are "
            + Arrays.stream(values()).map(Strategy::id).collect(Collectors.joining(", "))));
  }
}
