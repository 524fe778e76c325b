package dev.rankwise.encoders.bert;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import ai.djl.huggingface.tokenizers.Encoding;
import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import java.io.InputStream;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** e5-small-v2 against ONNX Runtime; its folder in F16 (lossless: the file's weights are fp16 values) under {@code bert.}. */
class E5SmallV2OracleTest extends ShippedBaseOracleTest {

  @Override
  ShippedBase base() {
    return ShippedBase.E5_SMALL_V2;
  }

  @Override
  Path writeFolder(Path folder) throws Exception {
    return ModelFolders.bert(folder, base(), encoder.weights(), "bert.", ModelFolders.Precision.F16);
  }

  @Test
  void textsArePrefixedWithQueryAsTheModelCardAsks() throws Exception {
    assertEquals("intfloat/e5-small-v2", encoder.name());
    assertEquals("query: ", encoder.inputs().prefix());
    String text = "Great coffee, I buy it every month.";
    long[] expected;
    try (InputStream in = getClass().getResourceAsStream(base().tokenizerResource());
        HuggingFaceTokenizer plain = HuggingFaceTokenizer.newInstance(in, Map.of())) {
      Encoding encoding = plain.encode("query: " + text);
      expected = encoding.getIds();
    }
    try (NDManager scope = manager.newSubManager()) {
      NDArray row = encoder.inputs().pack(scope, List.of(text));
      long[] ids = row.get("0, 0, :{}", expected.length).toLongArray();
      assertArrayEquals(expected, ids);
      assertEquals(expected.length, row.get("0, 1, :").sum().getLong());
      assertEquals(0, Arrays.stream(row.get("0, 0, {}:", expected.length).toLongArray()).sum(),
          "padded with pad_token_id 0");
    }
  }
}
