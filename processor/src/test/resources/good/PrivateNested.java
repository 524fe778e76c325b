package test;

import dev.rankwise.annotations.Lora;
import dev.rankwise.annotations.TaskRouter;

public class PrivateNested {
  /** A declaration nested in a private type still generates code that compiles. */
  private static class Hidden {
    @Lora(rankA = 2, rankB = 2, targets = "**")
    @TaskRouter(tasks = {"Task", "values"})
    interface Config {}
  }
}
