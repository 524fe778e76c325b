package dev.rankwise.cli.job;

import dev.rankwise.annotations.Lora;
import dev.rankwise.annotations.Mixer;
import dev.rankwise.annotations.RankExperts;
import dev.rankwise.annotations.TaskRouter;
import dev.rankwise.encoders.bert.BertConfig;
import dev.rankwise.encoders.bert.BertConfig.Layout;
import java.util.Map;
import java.util.function.UnaryOperator;

/**
 * The main job's methods: declarations on all-MiniLM-L6-v2's attention query and value
 * projections of its top two layers, all trained on the same four tasks (on another base, its top
 * two layers: {@link #onBase}). Each adapted 384 × 384
 * layer gets about 12,300 trainable parameters, so the methods compare at matched size (the run
 * prints each count and its difference from shared LoRA's):
 *
 * <ul>
 *   <li>shared LoRA r = 16: 16 · (384 + 384) = 12,288;
 *   <li>per-task LoRA r = 4, four tasks: 4 · 4 · 768 = 12,288;
 *   <li>decomposed LoRA a = b = 16: 16 · 384 + 16 · 16 + 16 · 384 = 12,544 (+2.1 %);
 *   <li>decomposed LoRA a = 12, b = 20: 12 · 384 + 12 · 20 + 20 · 384 = 12,528 (+2.0 %);
 *   <li>rank experts R = 9, task-routed: 9 · 768 experts + 9 · 384 gate + 4 · 384 task embeddings
 *       + 4 · 9 task offsets = 11,940 (−2.8 %), adaptive adds 4 · 3 rank logits.
 * </ul>
 *
 * <p>The tasks listed here are the main job's and their order; the CLI routes whatever tasks its
 * {@code --data} declares ({@code AdapterSpec.withTasks}), so a new task needs only its files.
 */
public final class EncoderMethods {

  private EncoderMethods() {}

  /** Paths of the adapted layers: query and value projections of layers 4 and 5. */
  public static final String Q4 = "encoder.layer.4.attention.self.query";
  public static final String V4 = "encoder.layer.4.attention.self.value";
  public static final String Q5 = "encoder.layer.5.attention.self.query";
  public static final String V5 = "encoder.layer.5.attention.self.value";

  /**
   * The declarations' targets on another base. Layers 4 and 5 are all-MiniLM-L6-v2's top two; on a
   * base of L layers the same methods adapt layers L − 2 and L − 1, under the base's names for its
   * query and value projections (DistilBERT's {@code q_lin} and {@code v_lin}). On MiniLM it changes
   * nothing.
   *
   * @throws IllegalArgumentException if the base has fewer than two layers
   */
  public static UnaryOperator<String> onBase(BertConfig config) {
    if (config.layers() < 2) {
      throw new IllegalArgumentException("the methods adapt a base's top two layers; this base has "
          + config.layers());
    }
    Layout layout = config.layout();
    int top = config.layers() - 1;
    Map<String, String> moved = Map.of(Q4, layout.queryPath(top - 1), V4, layout.valuePath(top - 1),
        Q5, layout.queryPath(top), V5, layout.valuePath(top));
    return pattern -> {
      String target = moved.get(pattern);
      if (target == null) {
        throw new IllegalStateException("'" + pattern + "' is not one of the methods' targets " + moved.keySet());
      }
      return target;
    };
  }

  /** The tasks, as their {@code tasks.json} files under {@code data/} name them. */
  public static final String SPAM = "spam";
  public static final String FINEFOOD = "finefood";
  public static final String GRAIN = "grain";
  public static final String CORN = "corn";

  /** Plain LoRA (B·A), one shared by every task. */
  @Lora(rankA = 16, rankB = 16, mixer = Mixer.IDENTITY, targets = {Q4, V4, Q5, V5})
  @TaskRouter(tasks = {SPAM, FINEFOOD, GRAIN, CORN})
  public interface SharedLora {}

  /** One plain LoRA per task; each row uses its own task's. */
  @Lora(rankA = 4, rankB = 4, mixer = Mixer.IDENTITY, perTask = true, targets = {Q4, V4, Q5, V5})
  @TaskRouter(tasks = {SPAM, FINEFOOD, GRAIN, CORN})
  public interface PerTaskLora {}

  /** The paper's decomposed update B'TA' in its square case, shared by every task. */
  @Lora(rankA = 16, rankB = 16, targets = {Q4, V4, Q5, V5})
  @TaskRouter(tasks = {SPAM, FINEFOOD, GRAIN, CORN})
  public interface DecomposedSquare {}

  /** The decomposed update with a narrow input side and a wide output side. */
  @Lora(rankA = 12, rankB = 20, targets = {Q4, V4, Q5, V5})
  @TaskRouter(tasks = {SPAM, FINEFOOD, GRAIN, CORN})
  public interface DecomposedAsymmetric {}

  /** Rank-wise experts, three of nine chosen per task by a learned task gate. */
  @RankExperts(count = 9, topK = 3, targets = {Q4, V4, Q5, V5})
  @TaskRouter(tasks = {SPAM, FINEFOOD, GRAIN, CORN})
  public interface RankExpertsRouted {}

  /** Rank-wise experts whose number per task is learned too (up to three of nine). */
  @RankExperts(count = 9, topK = 3, targets = {Q4, V4, Q5, V5})
  @TaskRouter(tasks = {SPAM, FINEFOOD, GRAIN, CORN}, adaptive = true)
  public interface RankExpertsAdaptive {}
}
