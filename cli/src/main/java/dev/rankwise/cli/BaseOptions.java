package dev.rankwise.cli;

import dev.rankwise.cli.job.BaseModel;
import dev.rankwise.encoders.bert.Pooling;
import java.util.Locale;
import picocli.CommandLine.Option;

/**
 * Which base model to fine-tune or serve on: a shipped base by name, or a Hugging Face model folder;
 * for a folder without sentence-transformers files, the pooling its model was trained with.
 */
final class BaseOptions {

  @Option(names = "--base", paramLabel = "NAME|FOLDER",
      description = "The base model: all-MiniLM-L6-v2, bge-small-en-v1.5 or e5-small-v2 (or their Hugging Face"
          + " ids), or a Hugging Face model folder (config.json, model.safetensors, tokenizer.json) of a BERT,"
          + " RoBERTa or DistilBERT encoder. Saved adapters name theirs, so eval, predict and add-task need it only"
          + " for a folder.")
  String base;

  @Option(names = "--pooling", paramLabel = "MODE",
      description = "For a model folder without sentence-transformers files (modules.json): how its model pools a"
          + " sentence, mean or cls.")
  String pooling;

  @Option(names = "--normalize", description = "With --pooling: divide each sentence vector by its L2 norm.")
  boolean normalize;

  @Option(names = "--prefix", paramLabel = "TEXT",
      description = "With --pooling: text put before every input, such as \"query: \".")
  String prefix;

  /** The base to train on: the one named, else all-MiniLM-L6-v2. */
  BaseModel forTraining() {
    return new BaseModel(base != null ? base : BaseModel.DEFAULT.name(), pooling());
  }

  /** The base to serve saved adapters on: the one named, else the one their record names. */
  BaseModel forAdapters() {
    if (pooling != null || normalize || prefix != null) {
      throw new IllegalArgumentException("saved adapters record their pooling and prefix: drop --pooling,"
          + " --normalize and --prefix");
    }
    return new BaseModel(base, null);
  }

  private Pooling pooling() {
    if (pooling == null) {
      if (normalize || prefix != null) {
        throw new IllegalArgumentException("--normalize and --prefix go with --pooling mean|cls");
      }
      return null;
    }
    Pooling chosen = switch (pooling.toLowerCase(Locale.ROOT)) {
      case "mean" -> Pooling.mean();
      case "cls" -> Pooling.cls();
      default -> throw new IllegalArgumentException("--pooling must be mean or cls, got " + pooling);
    };
    chosen = normalize ? chosen.normalized() : chosen;
    return prefix != null ? chosen.withPrefix(prefix) : chosen;
  }
}
