package dev.rankwise.encoders.minilm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Model;
import ai.djl.huggingface.tokenizers.Encoding;
import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import ai.djl.inference.Predictor;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.ParameterStore;
import ai.djl.translate.NoopTranslator;
import dev.rankwise.runtime.lora.LoraConfig;
import dev.rankwise.runtime.model.AdaptedModel;
import dev.rankwise.runtime.model.AdapterSpec;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Our MiniLM blocks compute what ONNX Runtime computes with the original file. */
@org.junit.jupiter.api.TestMethodOrder(org.junit.jupiter.api.MethodOrderer.OrderAnnotation.class)
class MiniLmOracleTest {

  private static final List<String> SENTENCES = List.of(
      "Congratulations! You have won a free cruise, reply now.",
      "The wheat harvest in Argentina was smaller than expected.",
      "Great coffee, I buy it every month.",
      "ok");

  @TempDir static Path directory;
  private static NDManager manager;
  private static MiniLm model;
  private static long[][] ids;
  private static long[][] mask;

  @BeforeAll
  static void load() throws Exception {
    manager = NDManager.newBaseManager("PyTorch");
    Path onnx = directory.resolve("model.onnx");
    Path tokenizerFile = directory.resolve("tokenizer.json");
    copy("all-minilm-l6-v2.onnx", onnx);
    copy("all-minilm-l6-v2-tokenizer.json", tokenizerFile);
    try (InputStream in = Files.newInputStream(onnx)) {
      model = MiniLm.load(OnnxWeights.read(in, "model.onnx"), manager);
    }
    try (HuggingFaceTokenizer tokenizer = HuggingFaceTokenizer.newInstance(tokenizerFile)) {
      Encoding[] encodings = tokenizer.batchEncode(SENTENCES);
      int length = encodings[0].getIds().length;
      ids = new long[SENTENCES.size()][];
      mask = new long[SENTENCES.size()][];
      for (int i = 0; i < encodings.length; i++) {
        assertEquals(length, encodings[i].getIds().length, "the tokenizer pads the batch");
        ids[i] = encodings[i].getIds();
        mask[i] = encodings[i].getAttentionMask();
      }
    }
  }

  private static void copy(String resource, Path target) throws Exception {
    try (InputStream in = MiniLmOracleTest.class.getClassLoader().getResourceAsStream(resource)) {
      Files.copy(in, target, StandardCopyOption.REPLACE_EXISTING);
    }
  }

  @AfterAll
  static void close() {
    manager.close();
  }

  private static NDArray ours() {
    NDList inputs = new NDList(manager.create(ids), manager.create(mask));
    return model.forward(new ParameterStore(manager, false), inputs, false).singletonOrThrow();
  }

  @Test
  @org.junit.jupiter.api.Order(1)
  void tokenStatesMatchOnnxRuntime() throws Exception {
    float[] expected;
    try (Model onnx = Model.newInstance("minilm", "OnnxRuntime")) {
      onnx.load(directory, "model.onnx");
      try (Predictor<NDList, NDList> predictor = onnx.newPredictor(new NoopTranslator());
          NDManager onnxManager = NDManager.newBaseManager("OnnxRuntime")) {
        NDArray inputIds = onnxManager.create(ids);
        inputIds.setName("input_ids");
        NDArray attention = onnxManager.create(mask);
        attention.setName("attention_mask");
        NDArray types = onnxManager.zeros(inputIds.getShape(), inputIds.getDataType());
        types.setName("token_type_ids");
        NDList output = predictor.predict(new NDList(inputIds, attention, types));
        expected = output.get(0).toFloatArray();
      }
    }
    NDArray actual = ours();
    float[] values = actual.toFloatArray();
    assertEquals(expected.length, values.length);
    double maxDiff = 0;
    int length = ids[0].length;
    for (int row = 0; row < ids.length; row++) {
      for (int token = 0; token < length; token++) {
        if (mask[row][token] == 0) {
          continue;
        }
        for (int h = 0; h < MiniLm.HIDDEN; h++) {
          int i = (row * length + token) * MiniLm.HIDDEN + h;
          maxDiff = Math.max(maxDiff, Math.abs(expected[i] - values[i]));
        }
      }
    }
    System.out.printf("MiniLM vs ONNX Runtime: max |diff| %.3g over %d sentences%n", maxDiff, ids.length);
    assertTrue(maxDiff <= 1e-4, "max |diff| " + maxDiff);
  }

  @Test
  @org.junit.jupiter.api.Order(2)
  void declarationsSelectLayersByTheirHuggingFaceNames() {
    NDArray before = ours();
    AdaptedModel adapted = AdapterSpec.builder("test.QueryValue")
        .target(LoraConfig.builder().setRanks(8, 8).build(),
            "encoder.layer.*.attention.self.query", "encoder.layer.*.attention.self.value")
        .build()
        .attach(model);
    assertEquals(12, adapted.layers().size());
    assertTrue(adapted.layers().containsKey("encoder.layer.3.attention.self.query"));
    assertTrue(before.contentEquals(ours()), "adapters are a no-op at step 0");
    System.out.println("MiniLM + LoRA on q, v: " + adapted.summary());
    assertEquals(new Shape(ids.length, ids[0].length, MiniLm.HIDDEN), before.getShape());
  }
}
