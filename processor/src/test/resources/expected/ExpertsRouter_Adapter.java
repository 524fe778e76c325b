package test;

import ai.djl.Model;
import ai.djl.nn.Block;
import dev.rankwise.runtime.experts.RankExpertsConfig;
import dev.rankwise.runtime.model.AdaptedModel;
import dev.rankwise.runtime.model.AdapterSpec;
import dev.rankwise.runtime.route.TaskRouterConfig;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import javax.annotation.processing.Generated;

/**
 * Adapters declared by {@link ExpertsRouter}: attach them to a model, then train, merge and
 * save them through the returned {@link AdaptedModel}.
 */
@Generated("dev.rankwise.processor.RankwiseProcessor")
public final class ExpertsRouter_Adapter {
  /**
   * The {@code @RankExperts} declared on {@link ExpertsRouter}.
   */
  public static final RankExpertsConfig RANK_EXPERTS = RankExpertsConfig.builder().setExperts(8, 4).build();

  /**
   * The {@code @TaskRouter} declared on {@link ExpertsRouter}.
   * A task's id is its index in the tasks.
   */
  public static final TaskRouterConfig TASK_ROUTER = new TaskRouterConfig(List.of("spam", "sentiment", "grain"), true, 0.1);

  /**
   * The whole declaration of {@link ExpertsRouter}, as the runtime reads it.
   */
  public static final AdapterSpec SPEC = AdapterSpec.builder("test.ExpertsRouter")
    .target(RANK_EXPERTS, "encoder.layer.*.attention.self.*")
    .optTaskRouter(TASK_ROUTER)
    .build();

  private ExpertsRouter_Adapter() {
  }

  /**
   * Attaches the adapters to the model's block and freezes everything else.
   */
  public static AdaptedModel attach(Model model) {
    return SPEC.attach(model);
  }

  /**
   * Attaches the adapters to a block tree and freezes everything else.
   */
  public static AdaptedModel attach(Block block) {
    return SPEC.attach(block);
  }

  /**
   * Attaches the adapters and loads their weights saved in {@code directory}.
   */
  public static AdaptedModel load(Block block, Path directory) throws IOException {
    return SPEC.load(block, directory);
  }
}
