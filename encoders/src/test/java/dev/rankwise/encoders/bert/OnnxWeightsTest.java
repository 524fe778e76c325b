package dev.rankwise.encoders.bert;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.InputStream;
import java.util.Map;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** The real all-MiniLM-L6-v2 ONNX file reads with every linear weight named as Hugging Face names it. */
class OnnxWeightsTest {

  private static final String MODEL = "all-minilm-l6-v2.onnx";

  @Test
  void everyLinearWeightOfMiniLmGetsItsHuggingFaceName() throws Exception {
    Map<String, Weights.Tensor> tensors;
    try (InputStream in = getClass().getClassLoader().getResourceAsStream(MODEL)) {
      assertTrue(in != null, MODEL + " is on the class path (langchain4j's MiniLM artifact)");
      tensors = OnnxWeights.read(in, MODEL).tensors();
    }
    Pattern linear = Pattern.compile(
        "encoder\\.layer\\.[0-5]\\.(attention\\.self\\.(query|key|value)|attention\\.output\\.dense"
            + "|intermediate\\.dense|output\\.dense)\\.weight");
    long linearWeights = tensors.keySet().stream().filter(name -> linear.matcher(name).matches()).count();
    assertEquals(36, linearWeights);
    assertTrue(tensors.keySet().stream().noneMatch(name -> name.startsWith("onnx::MatMul")));
    assertArrayEquals(new long[] {384, 384}, tensors.get("encoder.layer.3.attention.self.query.weight").shape());
    assertArrayEquals(new long[] {1536, 384}, tensors.get("encoder.layer.0.intermediate.dense.weight").shape());
    assertArrayEquals(new long[] {384, 1536}, tensors.get("encoder.layer.5.output.dense.weight").shape());
    long parameters = tensors.values().stream().mapToLong(t -> t.values().length).sum();
    System.out.printf("MiniLM: %d tensors, %,d float parameters%n", tensors.size(), parameters);
    assertTrue(parameters > 22_000_000 && parameters < 23_000_000, "parameters: " + parameters);
  }
}
