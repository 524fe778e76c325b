package dev.rankwise.encoders.bert;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDManager;
import dev.rankwise.runtime.lora.LoraConfig;
import dev.rankwise.runtime.model.AdaptedModel;
import dev.rankwise.runtime.model.AdapterSpec;
import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

/** all-MiniLM-L6-v2 against ONNX Runtime; its folder in F32 under {@code bert.}, as a masked-LM save. */
class MiniLmOracleTest extends ShippedBaseOracleTest {

  @Override
  ShippedBase base() {
    return ShippedBase.ALL_MINILM_L6_V2;
  }

  @Override
  Path writeFolder(Path folder) throws Exception {
    return ModelFolders.bert(folder, base(), encoder.weights(), "bert.", ModelFolders.Precision.F32);
  }

  @Test
  void keepsItsNameAndUnnormalisedMeanPoolingSoSavedAdaptersStillLoad() {
    assertEquals("sentence-transformers/all-MiniLM-L6-v2", encoder.name());
    assertEquals(Pooling.mean(), encoder.pooling());
    assertEquals(384, encoder.features());
    assertEquals(6, encoder.config().layers());
  }

  @Test
  void declarationsSelectLayersByTheirHuggingFaceNames() throws Exception {
    try (NDManager scope = manager.newSubManager()) {
      BertModel model = encoder.newTokenBlock(scope);
      float[] before = tokenStates(model, scope);
      AdaptedModel adapted = AdapterSpec.builder("test.QueryValue")
          .target(LoraConfig.builder().setRanks(8, 8).build(),
              "encoder.layer.*.attention.self.query", "encoder.layer.*.attention.self.value")
          .build()
          .attach(model);
      assertEquals(12, adapted.layers().size());
      assertTrue(adapted.layers().containsKey("encoder.layer.3.attention.self.query"));
      assertTrue(Arrays.equals(before, tokenStates(model, scope)), "adapters are a no-op at step 0");
    }
  }
}
