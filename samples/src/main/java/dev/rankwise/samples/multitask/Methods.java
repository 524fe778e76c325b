package dev.rankwise.samples.multitask;

import dev.rankwise.annotations.Lora;
import dev.rankwise.annotations.Mixer;
import dev.rankwise.annotations.RankExperts;
import dev.rankwise.annotations.TaskRouter;

/**
 * The four methods of the paper's multi-task comparison, each a declaration on the same model
 * paths and the same three tasks, at roughly matched trainable parameters (printed by the run).
 */
final class Methods {

  private Methods() {}

  /** Plain LoRA shared by every task. */
  @Lora(rankA = 8, rankB = 8, mixer = Mixer.IDENTITY, targets = {"encoder.*", "head"})
  @TaskRouter(tasks = {"north", "east", "diagonal"})
  interface SharedLora {}

  /** One plain LoRA per task, each row using its own task's. */
  @Lora(rankA = 3, rankB = 3, mixer = Mixer.IDENTITY, perTask = true, targets = {"encoder.*", "head"})
  @TaskRouter(tasks = {"north", "east", "diagonal"})
  interface PerTaskLora {}

  /** The decomposed update B'TA' (method 1), shared by every task. */
  @Lora(rankA = 6, rankB = 8, targets = {"encoder.*", "head"})
  @TaskRouter(tasks = {"north", "east", "diagonal"})
  interface DecomposedLora {}

  /** Rank-wise experts chosen per task by a learned gate (method 2). */
  @RankExperts(count = 4, topK = 2, targets = {"encoder.*", "head"})
  @TaskRouter(tasks = {"north", "east", "diagonal"})
  interface RankExpertsRouted {}
}
