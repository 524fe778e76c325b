package test;

import dev.rankwise.runtime.experts.RankExpertsConfig;
import dev.rankwise.runtime.model.AdaptedModel;
import dev.rankwise.runtime.model.AdapterSpec;
import dev.rankwise.runtime.route.TaskRouterConfig;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import javax.annotation.processing.Generated;

/**
 * Adapters declared by {@link ExpertFields}: attach them to a model, then train, merge and
 * save them through the returned {@link AdaptedModel}.
 */
@Generated("dev.rankwise.processor.RankwiseProcessor")
public final class ExpertFields_Adapter {
  /**
   * The {@code @TaskRouter} declared on {@link ExpertFields}.
   * A task's id is its index in the tasks.
   */
  public static final TaskRouterConfig TASK_ROUTER = new TaskRouterConfig(List.of("a", "b"), false, 0.0);

  /**
   * The {@code @RankExperts} declared on {@link ExpertFields#hidden}.
   */
  public static final RankExpertsConfig HIDDEN = RankExpertsConfig.builder().setExperts(4, 2).build();

  /**
   * The {@code @RankExperts} declared on {@link ExpertFields#output}.
   */
  public static final RankExpertsConfig OUTPUT = RankExpertsConfig.builder().setExperts(6, 3).optAlpha(6.0).build();

  /**
   * The whole declaration of {@link ExpertFields}, as the runtime reads it.
   */
  public static final AdapterSpec SPEC = AdapterSpec.builder("test.ExpertFields")
    .field("hidden", HIDDEN)
    .field("output", OUTPUT)
    .optTaskRouter(TASK_ROUTER)
    .build();

  private ExpertFields_Adapter() {
  }

  /**
   * Attaches the adapters to the annotated fields of {@code block} and freezes everything else.
   */
  public static AdaptedModel attach(ExpertFields block) {
    return SPEC.attach(block);
  }

  /**
   * Attaches the adapters and loads their weights saved in {@code directory}.
   */
  public static AdaptedModel load(ExpertFields block, Path directory) throws IOException {
    return SPEC.load(block, directory);
  }
}
