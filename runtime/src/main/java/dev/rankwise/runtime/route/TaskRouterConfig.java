package dev.rankwise.runtime.route;

import dev.rankwise.runtime.internal.ConfigChecks;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Validated settings of task routing (see {@link dev.rankwise.annotations.TaskRouter}).
 *
 * @param tasks task names in declaration order; a task's id is its index
 * @param adaptive each task learns how many of up to topK experts it uses
 * @param contrastive weight of the contrastive task-embedding loss, 0 for off
 */
public record TaskRouterConfig(List<String> tasks, boolean adaptive, double contrastive) {

  /** Validates every value; the message names the value and what it must be. */
  public TaskRouterConfig {
    tasks = List.copyOf(tasks);
    if (tasks.isEmpty()) {
      throw new IllegalArgumentException("tasks must not be empty");
    }
    // Names that differ only in case are easily confused, and collide as file names on
    // case-insensitive file systems.
    Map<String, String> seen = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
    for (String task : tasks) {
      String other = seen.putIfAbsent(task, task);
      if (task.equals(other)) {
        throw new IllegalArgumentException("task names must be unique, got '" + task + "' twice");
      } else if (other != null) {
        throw new IllegalArgumentException("task names must differ in more than letter case, got '"
            + other + "' and '" + task + "'");
      }
    }
    ConfigChecks.finiteNonNegative("contrastive", contrastive);
  }

  /** The task's id (its index in {@link #tasks()}); an error lists the valid names. */
  public int taskId(String name) {
    int id = tasks.indexOf(name);
    if (id < 0) {
      throw new IllegalArgumentException("unknown task '" + name + "'; valid tasks: " + tasks);
    }
    return id;
  }
}
