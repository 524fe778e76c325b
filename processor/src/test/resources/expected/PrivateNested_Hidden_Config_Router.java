package test;

import dev.rankwise.runtime.route.TaskRouterConfig;
import java.util.List;
import javax.annotation.processing.Generated;

/**
 * Task routing declared by {@code test.PrivateNested.Hidden.Config}.
 */
@Generated("dev.rankwise.processor.RankwiseProcessor")
public final class PrivateNested_Hidden_Config_Router {
  /**
   * The routing settings, as the runtime reads them.
   */
  public static final TaskRouterConfig CONFIG = new TaskRouterConfig(List.of("Task", "values"), false, 0.0);

  private PrivateNested_Hidden_Config_Router() {
  }

  /**
   * The task of that name; an unknown name is an error that lists the valid ones.
   */
  public static Task task(String name) {
    return Task.values()[CONFIG.taskId(name)];
  }

  /**
   * The task's id, the index the runtime routes rows by.
   */
  public static int id(Task task) {
    return task.ordinal();
  }

  /**
   * The tasks of {@code test.PrivateNested.Hidden.Config}, in declaration order; a task's id is its ordinal.
   */
  public enum Task {
    Task,

    values
  }
}
