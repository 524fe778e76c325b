package dev.rankwise.benchmarks;

import dev.rankwise.annotations.Lora;
import dev.rankwise.annotations.Mixer;
import dev.rankwise.annotations.RankExperts;
import dev.rankwise.annotations.TaskRouter;

/**
 * What the benchmarks measure, declared as a user would: the adapters go on the query and value
 * projections of every MiniLM layer (the common PEFT choice), or on every layer of the synthetic
 * linear stack. The compiler turns each into a {@code Declarations_<Name>_Adapter.SPEC}.
 */
public final class Declarations {

  private Declarations() {}

  /** Every MiniLM attention query projection. */
  public static final String QUERY = "encoder.layer.*.attention.self.query";

  /** Every MiniLM attention value projection. */
  public static final String VALUE = "encoder.layer.*.attention.self.value";

  /** The one task of single-task runs. */
  public static final String TASK = "bench";

  /** Plain LoRA r = 8 on q, v. */
  @Lora(rankA = 8, rankB = 8, mixer = Mixer.IDENTITY, targets = {QUERY, VALUE})
  public interface Lora8 {}

  /** The paper's decomposed update B'TA', a = b = 8, on q, v. */
  @Lora(rankA = 8, rankB = 8, targets = {QUERY, VALUE})
  public interface Decomposed8 {}

  /** Rank experts, 3 of 9, chosen by the task's gate, on q, v. */
  @RankExperts(count = 9, topK = 3, targets = {QUERY, VALUE})
  @TaskRouter(tasks = TASK)
  public interface Experts9Top3 {}

  /** One LoRA r = 8 per task of three; a mixed batch sends each row through its task's. */
  @Lora(rankA = 8, rankB = 8, mixer = Mixer.IDENTITY, perTask = true, targets = {QUERY, VALUE})
  @TaskRouter(tasks = {"a", "b", "c"})
  public interface PerTaskLora8 {}

  /** Rank experts 3 of 9 for three tasks; a mixed batch uses each row's task gate. */
  @RankExperts(count = 9, topK = 3, targets = {QUERY, VALUE})
  @TaskRouter(tasks = {"a", "b", "c"})
  public interface Experts9Top3ThreeTasks {}

  /** Token routing, 1 of 4 experts per token. */
  @RankExperts(count = 4, topK = 1, targets = {QUERY, VALUE})
  public interface Tokens4Top1 {}

  /** Token routing, 2 of 8. */
  @RankExperts(count = 8, topK = 2, targets = {QUERY, VALUE})
  public interface Tokens8Top2 {}

  /** Token routing, 4 of 16. */
  @RankExperts(count = 16, topK = 4, targets = {QUERY, VALUE})
  public interface Tokens16Top4 {}

  /** Token routing, 8 of 32. */
  @RankExperts(count = 32, topK = 8, targets = {QUERY, VALUE})
  public interface Tokens32Top8 {}

  /** Plain LoRA r = 8 on every layer of the synthetic stack. */
  @Lora(rankA = 8, rankB = 8, mixer = Mixer.IDENTITY, targets = "*")
  public interface StackLora8 {}
}
