package dev.rankwise.encoders.bert;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.training.ParameterStore;
import dev.rankwise.encoders.bert.BertConfig.HiddenAct;
import dev.rankwise.encoders.bert.BertConfig.Layout;
import dev.rankwise.runtime.io.ClassifierRecord;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A user's Hugging Face folder, on tiny random models of each layout (2 layers, 8 wide, bge's
 * tokenizer): every tensor used and none left over; a missing, extra or misshaped tensor an error
 * naming it and the file; F16 and BF16 computed as the F32 values they hold; older LayerNorm names.
 */
class ModelFolderTest {

  private static final String TINY_BERT = ModelFolders.TINY_BERT;
  private static final String TINY_ROBERTA = ModelFolders.TINY_ROBERTA;
  private static final String TINY_DISTILBERT = ModelFolders.TINY_DISTILBERT;

  private static final List<String> TEXTS = List.of("Great coffee, I buy it every month.", "ok",
      "The wheat harvest in Argentina was smaller than expected.");

  @TempDir Path directory;
  private static NDManager manager;

  @BeforeAll
  static void open() {
    manager = NDManager.newBaseManager("PyTorch");
  }

  @AfterAll
  static void close() {
    manager.close();
  }

  private static Map<String, Weights.Tensor> tiny(String json, UnaryOperator<Float> round) throws IOException {
    return ModelFolders.tiny(json, round);
  }

  private static Map<String, Weights.Tensor> tiny(String json) throws IOException {
    return tiny(json, value -> value);
  }

  private enum Dtype { F32, F16, BF16 }

  private Path folder(String name, String config, Map<String, Weights.Tensor> tensors, Dtype dtype)
      throws IOException {
    return ModelFolders.tinyFolder(directory.resolve(name), config, tensors, ModelFolders.Dtype.valueOf(dtype.name()));
  }

  private static BertEncoder load(Path folder) throws IOException {
    return BertEncoder.fromFolder(folder, "test/tiny", Pooling.mean(), 32);
  }

  /** Token states of {@link #TEXTS}, padded to the longest. */
  private static float[] tokenStates(BertEncoder encoder) throws IOException {
    try (NDManager scope = manager.newSubManager()) {
      NDArray packed = encoder.inputs().pack(scope, TEXTS);
      long longest = packed.get(":, 1, :").sum(new int[] {1}).max().getLong();
      NDList inputs = new NDList(packed.get(":, 0, :{}", longest), packed.get(":, 1, :{}", longest));
      return encoder.newTokenBlock(scope).forward(new ParameterStore(scope, false), inputs, false)
          .singletonOrThrow().toFloatArray();
    }
  }

  private static Map<String, Weights.Tensor> prefixed(String prefix, Map<String, Weights.Tensor> tensors) {
    Map<String, Weights.Tensor> renamed = new LinkedHashMap<>();
    tensors.forEach((name, tensor) -> renamed.put(prefix + name, tensor));
    return renamed;
  }

  @Test
  void eachLayoutLoadsWithEveryTensorUsedAndNoneLeftOver() throws Exception {
    for (String[] layout : new String[][] {{"bert", TINY_BERT, ""}, {"roberta", TINY_ROBERTA, "roberta."},
        {"distilbert", TINY_DISTILBERT, "distilbert."}}) {
      Map<String, Weights.Tensor> tensors = prefixed(layout[2], tiny(layout[1]));
      try (BertEncoder encoder = load(folder(layout[0], layout[1], tensors, Dtype.F32))) {
        assertEquals(Layout.valueOf(layout[0].toUpperCase()), encoder.config().layout());
        assertEquals(8, encoder.features());
        float[] states = tokenStates(encoder);
        for (float value : states) {
          assertTrue(Float.isFinite(value), layout[0] + " computes finite states");
        }
      }
    }
  }

  @Test
  void aMissingTensorIsAnErrorNamingItAndTheFile() throws Exception {
    Map<String, Weights.Tensor> tensors = tiny(TINY_BERT);
    tensors.remove("encoder.layer.1.attention.self.key.bias");
    Path folder = folder("missing", TINY_BERT, tensors, Dtype.F32);
    IOException error = assertThrows(IOException.class, () -> load(folder));
    assertMessage(error, folder.resolve("model.safetensors").toString(), "1 tensor of the BERT encoder missing",
        "encoder.layer.1.attention.self.key.bias (8)");

    Map<String, Weights.Tensor> distil = prefixed("distilbert.", tiny(TINY_DISTILBERT));
    distil.remove("distilbert.transformer.layer.1.ffn.lin2.bias");
    Path distilFolder = folder("missing-distil", TINY_DISTILBERT, distil, Dtype.F32);
    error = assertThrows(IOException.class, () -> load(distilFolder));
    assertMessage(error, distilFolder.resolve("model.safetensors").toString(),
        "distilbert.transformer.layer.1.ffn.lin2.bias");
  }

  @Test
  void anExtraTensorIsAnErrorNamingItAndTheFile() throws Exception {
    Map<String, Weights.Tensor> tensors = prefixed("bert.", tiny(TINY_BERT));
    tensors.put("bert.encoder.layer.2.output.dense.bias", new Weights.Tensor(new long[] {8}, new float[8]));
    // The pooler and the masked-LM head outside the prefix are not the encoder's: skipped, not errors.
    tensors.put("bert.pooler.dense.bias", new Weights.Tensor(new long[] {8}, new float[8]));
    tensors.put("cls.predictions.bias", new Weights.Tensor(new long[] {30522}, new float[30522]));
    Path folder = folder("extra", TINY_BERT, tensors, Dtype.F32);
    IOException error = assertThrows(IOException.class, () -> load(folder));
    assertMessage(error, folder.resolve("model.safetensors").toString(), "1 tensor the BERT encoder of 2 layers"
        + " does not use: bert.encoder.layer.2.output.dense.bias;");

    tensors.remove("bert.encoder.layer.2.output.dense.bias");
    try (BertEncoder encoder = load(folder("head", TINY_BERT, tensors, Dtype.F32))) {
      assertEquals(2, encoder.config().layers());
    }
  }

  @Test
  void aMisshapedTensorIsAnErrorNamingItTheFileAndBothShapes() throws Exception {
    Map<String, Weights.Tensor> tensors = tiny(TINY_BERT);
    tensors.put("encoder.layer.0.intermediate.dense.weight", new Weights.Tensor(new long[] {16, 7}, new float[16 * 7]));
    Path folder = folder("misshaped", TINY_BERT, tensors, Dtype.F32);
    IOException error = assertThrows(IOException.class, () -> load(folder));
    assertMessage(error, folder.resolve("model.safetensors").toString(),
        "tensor encoder.layer.0.intermediate.dense.weight has shape (16, 7)", "gives it (16, 8)");
  }

  @Test
  void aCheckpointOfAnotherLayoutIsNamedAsSuch() throws Exception {
    Path folder = folder("distil-as-bert", TINY_BERT, prefixed("distilbert.", tiny(TINY_DISTILBERT)), Dtype.F32);
    IOException error = assertThrows(IOException.class, () -> load(folder));
    assertMessage(error, "tensors of the BERT encoder missing", "embeddings.word_embeddings.weight",
        "the file has distilbert.embeddings.word_embeddings.weight: is model_type in config.json the checkpoint's?");
  }

  @Test
  void halfPrecisionWeightsComputeAsTheFloatsTheyHold() throws Exception {
    Map<String, Weights.Tensor> f16 = tiny(TINY_BERT, value -> SafetensorsWeights.halfToFloat(SafetensorsFile.toHalf(value)));
    Map<String, Weights.Tensor> bf16 = tiny(TINY_BERT, SafetensorsFile::roundToBfloat16);
    try (BertEncoder halves = load(folder("f16", TINY_BERT, f16, Dtype.F16));
        BertEncoder floats = load(folder("f16-as-f32", TINY_BERT, f16, Dtype.F32))) {
      assertArrayEquals(tokenStates(floats), tokenStates(halves));
    }
    // BF16 of unrounded values: the file rounds them, so the model holds the bf16-rounded floats.
    try (BertEncoder bfloats = load(folder("bf16", TINY_BERT, tiny(TINY_BERT), Dtype.BF16));
        BertEncoder floats = load(folder("bf16-as-f32", TINY_BERT, bf16, Dtype.F32))) {
      assertArrayEquals(tokenStates(floats), tokenStates(bfloats));
    }
  }

  @Test
  void olderCheckpointsNameLayerNormGammaAndBeta() throws Exception {
    Map<String, Weights.Tensor> tensors = tiny(TINY_BERT);
    Map<String, Weights.Tensor> old = new LinkedHashMap<>();
    tensors.forEach((name, tensor) -> old.put(
        name.replace("LayerNorm.weight", "LayerNorm.gamma").replace("LayerNorm.bias", "LayerNorm.beta"), tensor));
    try (BertEncoder current = load(folder("current", TINY_BERT, tensors, Dtype.F32));
        BertEncoder older = load(folder("older", TINY_BERT, old, Dtype.F32))) {
      assertArrayEquals(tokenStates(current), tokenStates(older));
    }
  }

  @Test
  void robertaPadsWithItsPaddingToken() throws Exception {
    try (BertEncoder encoder = load(folder("roberta-pad", TINY_ROBERTA, tiny(TINY_ROBERTA), Dtype.F32));
        NDManager scope = manager.newSubManager()) {
      assertEquals(64, encoder.config().maxTokens());
      NDArray row = encoder.inputs().pack(scope, List.of("ok"));
      assertEquals(3, row.get("0, 1, :").sum().getLong());
      long[] ids = row.get("0, 0, :").toLongArray();
      assertEquals(1, ids[3]);
      assertEquals(1, ids[31]);
    }
  }

  @Test
  void anIncompleteFolderIsNamedWithWhatItLacks() throws Exception {
    Path folder = folder("incomplete", TINY_BERT, tiny(TINY_BERT), Dtype.F32);
    IllegalArgumentException tooLong = assertThrows(IllegalArgumentException.class,
        () -> BertEncoder.fromFolder(folder, "test/tiny", Pooling.mean(), 65));
    assertMessage(tooLong, "maxLength must be in [2, 64]", "got 65");

    Files.delete(folder.resolve("tokenizer.json"));
    assertMessage(assertThrows(IOException.class, () -> load(folder)), "tokenizer.json does not exist");
    Files.move(folder.resolve("model.safetensors"), folder.resolve("pytorch_model.bin"));
    assertMessage(assertThrows(IOException.class, () -> load(folder)), "pytorch_model.bin", "safe_serialization=True");
    Files.delete(folder.resolve("config.json"));
    assertMessage(assertThrows(IOException.class, () -> load(folder)), "config.json does not exist");
    assertMessage(assertThrows(IOException.class, () -> load(folder.resolve("nowhere"))), "is not a folder");
  }

  @Test
  void settingsRecordThePoolingTheLengthAndAFingerprintOfTheWeights() throws Exception {
    Map<String, Weights.Tensor> tensors = tiny(TINY_BERT);
    Path folder = folder("settings", TINY_BERT, tensors, Dtype.F32);
    Pooling pooling = Pooling.cls().normalized().withPrefix("query: ");
    String fingerprint;
    try (BertEncoder encoder = BertEncoder.fromFolder(folder, "test/tiny", pooling, 32)) {
      Map<String, Object> settings = encoder.settings();
      fingerprint = encoder.fingerprint();
      assertTrue(fingerprint.matches("[0-9a-f]{64}"), fingerprint);
      assertEquals(Map.of("pooling", "cls", "normalize", true, "prefix", "query: ", "weights_sha256", fingerprint,
          "max_length", 32), settings);
      assertEquals(pooling, Pooling.fromSettings(settings), "the settings give the pooling back");
    }
    try (BertEncoder again = BertEncoder.fromFolder(folder, "test/tiny", Pooling.mean(), 16)) {
      assertEquals(fingerprint, again.fingerprint(), "the fingerprint is the weights', not the pooling's");
    }
    Map<String, Weights.Tensor> tuned = new LinkedHashMap<>(tensors);
    Weights.Tensor query = tuned.get("encoder.layer.1.attention.self.query.weight");
    float[] values = query.values().clone();
    values[5] += 1e-3f;
    tuned.put("encoder.layer.1.attention.self.query.weight", new Weights.Tensor(query.shape(), values));
    try (BertEncoder changed = load(folder("tuned", TINY_BERT, tuned, Dtype.F32))) {
      assertTrue(!fingerprint.equals(changed.fingerprint()), "one weight changed, another fingerprint");
    }
    try (BertEncoder renamed = load(folder("prefixed", TINY_BERT, prefixed("bert.", tensors), Dtype.F32))) {
      assertEquals(fingerprint, renamed.fingerprint(), "tensor names in the file do not change the fingerprint");
    }
  }

  @Test
  void eachModelComputesOnWeightsOfItsOwn() throws Exception {
    Path folder = folder("own", TINY_BERT, tiny(TINY_BERT), Dtype.F32);
    try (BertEncoder encoder = load(folder); NDManager scope = manager.newSubManager()) {
      float[] before = tokenStates(encoder);
      // The first model takes the weights read when the encoder was made, as its own memory.
      BertModel first = encoder.newTokenBlock(scope);
      for (ai.djl.nn.Parameter parameter : first.getParameters().values()) {
        dev.rankwise.runtime.internal.ParameterValues.overwrite(parameter.getArray(),
            new float[Math.toIntExact(parameter.getArray().size())]);
      }
      assertTrue(Arrays.equals(before, tokenStates(encoder)), "a model changing its weights (a merge) leaves the"
          + " next model's alone");
    }
  }

  @Test
  void aFolderWhoseWeightsChangeAfterTheEncoderWasMadeIsRefused() throws Exception {
    Map<String, Weights.Tensor> tensors = tiny(TINY_BERT);
    Path folder = folder("changing", TINY_BERT, tensors, Dtype.F32);
    try (BertEncoder encoder = load(folder); NDManager scope = manager.newSubManager()) {
      encoder.newTokenBlock(scope);
      Map<String, Weights.Tensor> tuned = new LinkedHashMap<>(tensors);
      Weights.Tensor query = tuned.get("encoder.layer.1.attention.self.query.weight");
      float[] values = query.values();
      values[5] += 1e-3f;
      tuned.put("encoder.layer.1.attention.self.query.weight", new Weights.Tensor(query.shape(), values));
      folder("changing", TINY_BERT, tuned, Dtype.F32);
      IOException changed = assertThrows(IOException.class, () -> encoder.newTokenBlock(scope));
      assertMessage(changed, folder.resolve("model.safetensors").toString(), "has changed since the encoder",
          "make the encoder again");
    }
  }

  @Test
  void aBaseIsAShippedNameOrAFolderWithItsPooling() throws Exception {
    Path folder = folder("my-model", TINY_BERT, tiny(TINY_BERT), Dtype.F32);
    IllegalArgumentException noPooling = assertThrows(IllegalArgumentException.class,
        () -> BertEncoder.open(folder.toString(), null, 32));
    assertMessage(noPooling, folder.toString(), "no sentence-transformers modules.json", "mean or cls");
    try (BertEncoder encoder = BertEncoder.open(folder.toString(), Pooling.mean(), 32)) {
      assertEquals("my-model", encoder.name(), "a folder's encoder is named after the folder");
    }

    Files.writeString(folder.resolve("modules.json"), """
        [{"idx": 0, "name": "0", "path": "", "type": "sentence_transformers.models.Transformer"},
         {"idx": 1, "name": "1", "path": "1_Pooling", "type": "sentence_transformers.models.Pooling"},
         {"idx": 2, "name": "2", "path": "2_Normalize", "type": "sentence_transformers.models.Normalize"}]""");
    Files.createDirectories(folder.resolve("1_Pooling"));
    Files.writeString(folder.resolve("1_Pooling/config.json"), """
        {"word_embedding_dimension": 8, "pooling_mode_cls_token": true, "pooling_mode_mean_tokens": false,
         "pooling_mode_max_tokens": false, "pooling_mode_mean_sqrt_len_tokens": false}""");
    try (BertEncoder encoder = BertEncoder.open(folder.toString(), null, 32)) {
      assertEquals(Pooling.cls().normalized(), encoder.pooling(), "the folder's own pooling, normalised");
    }
    assertMessage(assertThrows(IllegalArgumentException.class,
        () -> BertEncoder.open(folder.toString(), Pooling.mean(), 32)), "declares its pooling", "do not give another");
    Files.writeString(folder.resolve("1_Pooling/config.json"), """
        {"pooling_mode_cls_token": false, "pooling_mode_max_tokens": true}""");
    assertMessage(assertThrows(IOException.class, () -> BertEncoder.open(folder.toString(), null, 32)),
        "1_Pooling", "pooling_mode_max_tokens", "exactly one of");

    assertMessage(assertThrows(IllegalArgumentException.class, () -> BertEncoder.open("bge-small", null, 32)),
        "'bge-small' is neither a shipped base", "BAAI/bge-small-en-v1.5", "e5-small-v2", "nor a folder");
    assertMessage(assertThrows(IllegalArgumentException.class,
        () -> BertEncoder.open("e5-small-v2", Pooling.cls(), 32)), "shipped base with its own pooling");
    assertEquals(List.of("sentence-transformers/all-MiniLM-L6-v2", "BAAI/bge-small-en-v1.5", "intfloat/e5-small-v2",
        "all-MiniLM-L6-v2", "bge-small-en-v1.5", "e5-small-v2"), BertEncoder.shippedNames());
  }

  @Test
  void adaptersOnAFolderBaseFindTheirEncoderFromTheirRecordAndTheFolder() throws Exception {
    Path folder = folder("base", TINY_BERT, tiny(TINY_BERT), Dtype.F32);
    Map<String, Object> trained;
    try (BertEncoder encoder = BertEncoder.fromFolder(folder, "team/tiny", Pooling.cls().withPrefix("q: "), 24)) {
      trained = encoder.settings();
    }
    ClassifierRecord record = new ClassifierRecord("team/tiny", trained, Map.of("topic", List.of("no", "yes")));
    assertMessage(assertThrows(IllegalArgumentException.class, () -> BertEncoder.forAdapters(record, null, null)),
        "trained on team/tiny, a model folder", "--base FOLDER");
    try (BertEncoder encoder = BertEncoder.forAdapters(record, folder.toString(), null)) {
      assertEquals("team/tiny", encoder.name());
      assertEquals(trained, encoder.settings(), "the recorded pooling, prefix and length");
    }
    try (BertEncoder encoder = BertEncoder.forAdapters(record, folder.toString(), 40)) {
      assertEquals(40, encoder.inputs().maxLength(), "a length given overrides the recorded one");
    }
  }

  @Test
  void activationsAreTheirFormulas() {
    float[] xs = {-4f, -1.5f, -0.3f, 0f, 0.2f, 1f, 2.5f, 6f};
    for (HiddenAct activation : HiddenAct.values()) {
      BertConfig config = new BertConfig(Layout.BERT, 1, 8, 2, 16, activation, 1e-12f, 8, 1, 10, 0);
      try (NDManager scope = manager.newSubManager()) {
        float[] actual = BertModel.activate(config, scope.create(xs)).toFloatArray();
        for (int i = 0; i < xs.length; i++) {
          double x = xs[i];
          double expected = switch (activation) {
            case GELU -> 0.5 * x * (1 + erf(x / Math.sqrt(2)));
            case GELU_TANH -> 0.5 * x * (1 + Math.tanh(Math.sqrt(2 / Math.PI) * (x + 0.044715 * x * x * x)));
            case RELU -> Math.max(0, x);
            case SILU -> x / (1 + Math.exp(-x));
            case QUICK_GELU -> x / (1 + Math.exp(-1.702 * x));
          };
          assertEquals(expected, actual[i], 1e-6, activation + " at " + x);
        }
      }
    }
  }

  /** erf by Abramowitz and Stegun 7.1.26 would be too coarse; a series and continued fraction are exact enough. */
  private static double erf(double x) {
    double sign = Math.signum(x);
    double z = Math.abs(x);
    if (z < 3) {
      double term = z;
      double sum = z;
      for (int n = 1; n < 100; n++) {
        term *= -z * z / n;
        sum += term / (2 * n + 1);
      }
      return sign * 2 / Math.sqrt(Math.PI) * sum;
    }
    return sign * (1 - Math.exp(-z * z) / (z * Math.sqrt(Math.PI)) * (1 - 1 / (2 * z * z)));
  }

  private static void assertMessage(Exception error, String... fragments) {
    for (String fragment : fragments) {
      assertTrue(error.getMessage().contains(fragment), error.getMessage() + "\n  should name: " + fragment);
    }
  }
}
