package dev.rankwise.benchmarks.infer;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.pytorch.jni.JniUtils;
import com.google.gson.Gson;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.rankwise.benchmarks.Percentiles;
import dev.rankwise.encoders.RowBatches;
import dev.rankwise.encoders.bert.BertEncoder;
import dev.rankwise.encoders.bert.BertModel;
import dev.rankwise.encoders.bert.TextTokenizer;
import dev.rankwise.runtime.NativeAllocator;
import java.io.BufferedReader;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.function.UnaryOperator;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;

/**
 * Encoding real texts through the frozen layers below the adapters, as a training run does once per
 * text (all-MiniLM-L6-v2, layers 0–3, 96 tokens, batches of 32): batches in the texts' order against
 * batches of texts of about one length, alternated round by round in one JVM. The texts are the
 * first of each shipped data set's training file (spam, fine-food reviews, Reuters), taken in turn,
 * so lengths are mixed as in the main job. Prints one JSON object: milliseconds per text, median
 * and spread, for each order.
 */
@Command(name = "encode-run", mixinStandardHelpOptions = true,
    description = "Times the frozen layers over real texts, in order and by length, alternated; prints one JSON object.")
public final class EncodeRun implements Callable<Integer> {

  static final List<String> DATA_SETS = List.of("spam", "finefood", "reuters");

  @Option(names = "--data", required = true, description = "The data folder (the repository's data/).")
  Path data;

  @Option(names = "--texts", defaultValue = "960", description = "Texts, a third from each data set.")
  int texts;

  @Option(names = "--layers", defaultValue = "4", description = "Frozen layers run. Default: ${DEFAULT-VALUE}.")
  int layers;

  @Option(names = "--max-length", defaultValue = "96", description = "Tokens per text. Default: ${DEFAULT-VALUE}.")
  int maxLength;

  @Option(names = "--batch", defaultValue = "32", description = "Rows per pass. Default: ${DEFAULT-VALUE}.")
  int batch;

  @Option(names = "--warmup", defaultValue = "1", description = "Untimed rounds.")
  int warmup;

  @Option(names = "--rounds", defaultValue = "5", description = "Timed rounds; each encodes the texts both ways.")
  int rounds;

  /** Runs as the arguments say; exit 2 on a bad argument. */
  public static void main(String[] args) {
    System.exit(new CommandLine(new EncodeRun()).execute(args));
  }

  @Override
  public Integer call() throws Exception {
    NativeAllocator.keepFreedMemory(); // as the command line does (docs/DESIGN.md §7)
    if (texts < DATA_SETS.size() || warmup < 0 || rounds < 1 || batch < 1) {
      throw new ParameterException(new CommandLine(this),
          "--texts must be at least 3, --warmup at least 0, --rounds and --batch at least 1");
    }
    List<String> lines = texts();
    double[] inOrder = new double[rounds];
    double[] byLength = new double[rounds];
    double meanLength;
    try (BertEncoder encoder = BertEncoder.allMiniLmL6V2(maxLength); NDManager manager = NDManager.newBaseManager()) {
      JniUtils.setGradMode(false); // once the engine is loaded
      BertModel model = encoder.newBlock(manager);
      NDArray packed = encoder.inputs().pack(manager, lines);
      long[] lengths = TextTokenizer.lengths(packed);
      meanLength = Arrays.stream(lengths).average().orElseThrow();
      UnaryOperator<NDArray> prefix = rows -> model.prefixStates(rows, layers);
      for (int round = -warmup; round < rounds; round++) {
        double ordered = time(manager, scope -> RowBatches.map(scope, packed, batch, prefix, done -> {}));
        double sorted = time(manager, scope -> RowBatches.mapByLength(scope, packed, lengths, batch, prefix, done -> {}));
        if (round >= 0) {
          inOrder[round] = ordered / lines.size();
          byLength[round] = sorted / lines.size();
        }
      }
    }
    JsonObject result = new JsonObject();
    result.addProperty("texts", lines.size());
    result.addProperty("mean_tokens", meanLength);
    result.addProperty("max_length", maxLength);
    result.add("in_order", Percentiles.summaryMs(inOrder));
    result.add("by_length", Percentiles.summaryMs(byLength));
    System.out.println(new Gson().toJson(result));
    return 0;
  }

  private interface Encoding {
    NDArray run(NDManager scope);
  }

  /** Milliseconds to encode every text, its arrays freed after. */
  private static double time(NDManager manager, Encoding encoding) {
    try (NDManager scope = manager.newSubManager()) {
      long start = System.nanoTime();
      encoding.run(scope);
      return (System.nanoTime() - start) / 1e6;
    }
  }


  /** The first texts of each data set's training file, taken in turn. */
  private List<String> texts() throws IOException {
    int each = texts / DATA_SETS.size();
    List<List<String>> sets = new ArrayList<>();
    for (String set : DATA_SETS) {
      Path file = data.resolve(set).resolve("train.jsonl");
      List<String> read = new ArrayList<>();
      try (BufferedReader reader = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
        for (String line = reader.readLine(); line != null && read.size() < each; line = reader.readLine()) {
          read.add(JsonParser.parseString(line).getAsJsonObject().get("text").getAsString());
        }
      }
      if (read.size() < each) {
        throw new IOException(file + " has " + read.size() + " texts; --texts " + texts + " needs " + each);
      }
      sets.add(read);
    }
    List<String> mixed = new ArrayList<>();
    for (int i = 0; i < each; i++) {
      for (List<String> set : sets) {
        mixed.add(set.get(i));
      }
    }
    return mixed;
  }
}
