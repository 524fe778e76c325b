package test;

import dev.rankwise.annotations.Lora;
import dev.rankwise.annotations.TaskRouter;

/** One LoRA per task. */
@Lora(rankA = 4, rankB = 4, perTask = true, targets = "**.query")
@TaskRouter(tasks = {"spam", "sentiment"})
interface PerTaskLora {}
