package dev.rankwise.encoders.bert;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDManager;
import dev.rankwise.encoders.bert.BertConfig.Layout;
import dev.rankwise.runtime.lora.LoraConfig;
import dev.rankwise.runtime.model.AdaptedModel;
import dev.rankwise.runtime.model.AdapterSpec;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

/**
 * bge-small-en-v1.5 against ONNX Runtime; its folder in F16 (lossless: the file's weights are fp16
 * values), unprefixed as sentence-transformers saves it. Its network also checks the RoBERTa and
 * DistilBERT layouts against ONNX Runtime: rewritten in their names, position numbering and configs
 * it computes the same token states.
 */
class BgeSmallEnV15OracleTest extends ShippedBaseOracleTest {

  @Override
  ShippedBase base() {
    return ShippedBase.BGE_SMALL_EN_V15;
  }

  @Override
  Path writeFolder(Path folder) throws Exception {
    return ModelFolders.bert(folder, base(), encoder.weights(), "", ModelFolders.Precision.F16);
  }

  @Test
  void poolsTheClsStateNormalised() {
    assertEquals("BAAI/bge-small-en-v1.5", encoder.name());
    assertEquals(Pooling.cls().normalized(), encoder.pooling());
    assertEquals(12, encoder.config().layers());
  }

  @Test
  void robertaLayoutPositionsFromTheMaskAfterThePaddingToken() throws Exception {
    Path folder = ModelFolders.roberta(directory.resolve("roberta"), base(), encoder.weights(),
        ModelFolders.Precision.F32);
    try (BertEncoder roberta = BertEncoder.fromFolder(folder, "test/bge-as-roberta", base().pooling(), MAX_LENGTH);
        NDManager scope = manager.newSubManager()) {
      assertEquals(Layout.ROBERTA, roberta.config().layout());
      assertEquals(512, roberta.config().maxTokens());
      double diff = maxDiffOnAttendedTokens(tokenStates(roberta.newTokenBlock(scope), scope));
      report("RoBERTa layout, token states vs ONNX Runtime", diff);
      assertTrue(diff <= TOLERANCE, "max |diff| " + diff);
      double pooled = ModelFolders.maxDiff(pooledExpected(base().pooling()), sentenceFeatures(roberta.newBlock(scope), scope));
      assertTrue(pooled <= TOLERANCE, "sentence features: max |diff| " + pooled);
    } finally {
      Files.delete(folder.resolve("model.safetensors"));
    }
  }

  @Test
  void distilbertLayoutUnderItsOwnNames() throws Exception {
    Path folder = ModelFolders.distilbert(directory.resolve("distilbert"), base(), encoder.weights(),
        ModelFolders.Precision.F32);
    try (BertEncoder distil = BertEncoder.fromFolder(folder, "test/bge-as-distilbert", base().pooling(), MAX_LENGTH);
        NDManager scope = manager.newSubManager()) {
      assertEquals(Layout.DISTILBERT, distil.config().layout());
      BertModel model = distil.newTokenBlock(scope);
      float[] states = tokenStates(model, scope);
      double diff = maxDiffOnAttendedTokens(states);
      report("DistilBERT layout, token states vs ONNX Runtime", diff);
      assertTrue(diff <= TOLERANCE, "max |diff| " + diff);

      AdaptedModel adapted = AdapterSpec.builder("test.Distil")
          .target(LoraConfig.builder().setRanks(4, 4).build(),
              "transformer.layer.*.attention.q_lin", "transformer.layer.*.ffn.lin2")
          .build()
          .attach(model);
      assertEquals(24, adapted.layers().size());
      assertTrue(adapted.layers().containsKey("transformer.layer.11.ffn.lin2"));
      assertTrue(Arrays.equals(states, tokenStates(model, scope)), "adapters are a no-op at step 0");
    } finally {
      Files.delete(folder.resolve("model.safetensors"));
    }
  }
}
