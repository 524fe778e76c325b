package test;

import dev.rankwise.runtime.lora.LoraConfig;
import dev.rankwise.runtime.model.AdaptedModel;
import dev.rankwise.runtime.model.AdapterSpec;
import java.io.IOException;
import java.nio.file.Path;
import javax.annotation.processing.Generated;

/**
 * Adapters declared by {@link TwoFields}: attach them to a model, then train, merge and
 * save them through the returned {@link AdaptedModel}.
 */
@Generated("dev.rankwise.processor.RankwiseProcessor")
public final class TwoFields_Adapter {
  /**
   * The {@code @Lora} declared on {@link TwoFields#query}.
   */
  public static final LoraConfig QUERY = LoraConfig.builder().setRanks(4, 8).build();

  /**
   * The {@code @Lora} declared on {@link TwoFields#valueProjection}.
   */
  public static final LoraConfig VALUE_PROJECTION = LoraConfig.builder().setRanks(2, 2).optAlpha(4.0).build();

  /**
   * The whole declaration of {@link TwoFields}, as the runtime reads it.
   */
  public static final AdapterSpec SPEC = AdapterSpec.builder("test.TwoFields")
    .field("query", QUERY)
    .field("valueProjection", VALUE_PROJECTION)
    .build();

  private TwoFields_Adapter() {
  }

  /**
   * Attaches the adapters to the annotated fields of {@code block} and freezes everything else.
   */
  public static AdaptedModel attach(TwoFields block) {
    return SPEC.attach(block);
  }

  /**
   * Attaches the adapters and loads their weights saved in {@code directory}.
   */
  public static AdaptedModel load(TwoFields block, Path directory) throws IOException {
    return SPEC.load(block, directory);
  }
}
