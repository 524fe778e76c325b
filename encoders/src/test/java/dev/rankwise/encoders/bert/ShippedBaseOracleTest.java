package dev.rankwise.encoders.bert;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Model;
import ai.djl.inference.Predictor;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.training.ParameterStore;
import ai.djl.translate.NoopTranslator;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * A shipped base computes what ONNX Runtime computes with its original ONNX file: token states on
 * real sentences of several lengths, padded to the longest, and the sentence features its pooling
 * makes of them; and the base written out as a Hugging Face folder reads back to the same model.
 * One base per subclass, so only one 133 MB model is in memory at a time.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
abstract class ShippedBaseOracleTest {

  static final List<String> SENTENCES = List.of(
      "Congratulations! You have won a free cruise, reply now.",
      "ok",
      "The wheat harvest in Argentina was smaller than expected, traders said on Monday.",
      "Great coffee, I buy it every month.",
      "Shares of the largest steelmaker fell 4% in early trading after the company warned that weak"
          + " demand from carmakers and builders in Europe and China would cut its second-quarter"
          + " profit by about a third, and analysts said further job cuts were likely before the end"
          + " of the year.",
      "Is this café's crème brûlée gluten-free?");

  static final int MAX_LENGTH = 128;
  static final double TOLERANCE = 1e-4;

  /** Scratch space for the class: ONNX Runtime's copy of the model, the folders written. */
  Path directory;
  BertEncoder encoder;
  NDManager manager;
  /** The sentences as the encoder's tokenizer packs them, cut to the longest: (6, 2, length). */
  NDArray packed;
  long[][] ids;
  long[][] mask;
  /** ONNX Runtime's last_hidden_state for {@link #ids}, (6, length, hidden) row-major. */
  float[] expected;

  abstract ShippedBase base();

  @BeforeAll
  void load(@TempDir Path scratch) throws Exception {
    directory = scratch;
    encoder = BertEncoder.shipped(base(), MAX_LENGTH);
    manager = NDManager.newBaseManager("PyTorch");
    NDArray full = encoder.inputs().pack(manager, SENTENCES);
    long longest = full.get(":, 1, :").sum(new int[] {1}).max().getLong();
    assertTrue(longest > 50 && longest < MAX_LENGTH, "the long sentence has " + longest + " tokens");
    packed = full.get(":, :, :{}", longest);
    ids = rows(packed.get(":, 0, :"));
    mask = rows(packed.get(":, 1, :"));
    expected = onnxRuntime();
  }

  @AfterAll
  void close() {
    encoder.close();
    manager.close();
    encoder = null;
    expected = null;
  }

  private static long[][] rows(NDArray matrix) {
    int rows = (int) matrix.getShape().get(0);
    int columns = (int) matrix.getShape().get(1);
    long[] values = matrix.toLongArray();
    long[][] out = new long[rows][columns];
    for (int r = 0; r < rows; r++) {
      System.arraycopy(values, r * columns, out[r], 0, columns);
    }
    return out;
  }

  /** last_hidden_state of the base's own ONNX file, token types all 0. */
  private float[] onnxRuntime() throws Exception {
    Path onnx = directory.resolve("onnx");
    Files.createDirectories(onnx);
    ModelFolders.copyResource(base().onnxResource(), onnx.resolve("model.onnx"));
    try (Model model = Model.newInstance("oracle", "OnnxRuntime")) {
      model.load(onnx, "model.onnx");
      try (Predictor<NDList, NDList> predictor = model.newPredictor(new NoopTranslator());
          NDManager onnxManager = NDManager.newBaseManager("OnnxRuntime")) {
        NDArray inputIds = onnxManager.create(ids);
        inputIds.setName("input_ids");
        NDArray attention = onnxManager.create(mask);
        attention.setName("attention_mask");
        NDArray types = onnxManager.zeros(inputIds.getShape(), inputIds.getDataType());
        types.setName("token_type_ids");
        return predictor.predict(new NDList(inputIds, attention, types)).get(0).toFloatArray();
      }
    } finally {
      Files.delete(onnx.resolve("model.onnx"));
    }
  }

  /** Our token states for {@link #ids}, flattened as {@link #expected}. */
  float[] tokenStates(BertModel model, NDManager scope) {
    NDList inputs = new NDList(scope.create(ids), scope.create(mask));
    return model.forward(new ParameterStore(scope, false), inputs, false).singletonOrThrow().toFloatArray();
  }

  /** Our sentence features for {@link #packed}, (6, hidden) flattened. */
  float[] sentenceFeatures(BertModel model, NDManager scope) {
    NDArray input = packed.duplicate();
    input.attach(scope);
    return model.forward(new ParameterStore(scope, false), new NDList(input), false).singletonOrThrow()
        .toFloatArray();
  }

  /** The largest |ours − ONNX Runtime| over the attended tokens (padding states are never read). */
  double maxDiffOnAttendedTokens(float[] actual) {
    assertEquals(expected.length, actual.length);
    int length = ids[0].length;
    int hidden = expected.length / (ids.length * length);
    double max = 0;
    for (int row = 0; row < ids.length; row++) {
      for (int token = 0; token < length; token++) {
        if (mask[row][token] == 0) {
          continue;
        }
        for (int h = 0; h < hidden; h++) {
          int i = (row * length + token) * hidden + h;
          max = Math.max(max, Math.abs(expected[i] - actual[i]));
        }
      }
    }
    return max;
  }

  /** ONNX Runtime's token states pooled as {@code pooling} says, computed here in double. */
  float[] pooledExpected(Pooling pooling) {
    int rows = ids.length;
    int length = ids[0].length;
    int hidden = expected.length / (rows * length);
    float[] pooled = new float[rows * hidden];
    for (int row = 0; row < rows; row++) {
      double[] vector = new double[hidden];
      int count = 0;
      for (int token = 0; token < length; token++) {
        boolean use = pooling.mode() == Pooling.Mode.CLS ? token == 0 : mask[row][token] != 0;
        if (use) {
          count++;
          for (int h = 0; h < hidden; h++) {
            vector[h] += expected[(row * length + token) * hidden + h];
          }
        }
      }
      double norm = 0;
      for (int h = 0; h < hidden; h++) {
        vector[h] /= count;
        norm += vector[h] * vector[h];
      }
      double scale = pooling.normalize() ? 1 / Math.max(Math.sqrt(norm), 1e-12) : 1;
      for (int h = 0; h < hidden; h++) {
        pooled[row * hidden + h] = (float) (vector[h] * scale);
      }
    }
    return pooled;
  }

  void report(String what, double diff) {
    System.out.printf("%s, %s: max |diff| %.3g (%d sentences, %d tokens padded)%n",
        base().id(), what, diff, ids.length, ids[0].length);
  }

  @Test
  void tokenStatesMatchOnnxRuntime() throws Exception {
    try (NDManager scope = manager.newSubManager()) {
      double diff = maxDiffOnAttendedTokens(tokenStates(encoder.newTokenBlock(scope), scope));
      report("token states vs ONNX Runtime", diff);
      assertTrue(diff <= TOLERANCE, "max |diff| " + diff);
    }
  }

  @Test
  void sentenceFeaturesArePooledAsTheModelWasTrained() throws Exception {
    try (NDManager scope = manager.newSubManager()) {
      float[] features = sentenceFeatures(encoder.newBlock(scope), scope);
      double diff = ModelFolders.maxDiff(pooledExpected(base().pooling()), features);
      report(base().pooling() + " sentence features vs ONNX Runtime", diff);
      assertTrue(diff <= TOLERANCE, "max |diff| " + diff);
      int hidden = features.length / ids.length;
      for (int row = 0; row < ids.length; row++) {
        double norm = 0;
        for (int h = 0; h < hidden; h++) {
          norm += features[row * hidden + h] * features[row * hidden + h];
        }
        norm = Math.sqrt(norm);
        if (base().pooling().normalize()) {
          assertEquals(1, norm, 1e-5, "row " + row + " is normalised");
        } else {
          assertTrue(Math.abs(norm - 1) > 0.01, "row " + row + " is not normalised: norm " + norm);
        }
      }
    }
  }

  /** Writes the base as the Hugging Face folder a user would bring, each base in another form. */
  abstract Path writeFolder(Path folder) throws Exception;

  @Test
  void theBaseAsAHuggingFaceFolderReadsBackToTheSameModel() throws Exception {
    Path folder = writeFolder(directory.resolve("folder"));
    try (BertEncoder fromFolder = BertEncoder.fromFolder(folder, base().id(), base().pooling(), MAX_LENGTH);
        NDManager scope = manager.newSubManager()) {
      assertEquals(encoder.config(), fromFolder.config());
      assertEquals(encoder.settings(), fromFolder.settings(),
          "the same settings, the weights' fingerprint among them: adapters trained on one load on the other");
      assertTrue(fromFolder.inputs().pack(scope, SENTENCES).contentEquals(encoder.inputs().pack(scope, SENTENCES)),
          "the folder's tokenizer.json packs as the jar's");
      assertTrue(Arrays.equals(sentenceFeatures(encoder.newBlock(scope), scope),
          sentenceFeatures(fromFolder.newBlock(scope), scope)), "the same sentence features, bit for bit");
      assertTrue(Arrays.equals(tokenStates(encoder.newTokenBlock(scope), scope),
          tokenStates(fromFolder.newTokenBlock(scope), scope)), "the same token states, bit for bit");
    } finally {
      Files.delete(folder.resolve("model.safetensors"));
    }
  }
}
