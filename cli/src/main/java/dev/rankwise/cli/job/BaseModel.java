package dev.rankwise.cli.job;

import dev.rankwise.encoders.bert.BertEncoder;
import dev.rankwise.encoders.bert.Pooling;
import dev.rankwise.runtime.io.ClassifierRecord;
import java.io.IOException;

/**
 * The base model a run fine-tunes or serves: a shipped base by name, or a Hugging Face model folder
 * ({@link BertEncoder#open}); for a folder without sentence-transformers files, the pooling its
 * model was trained with.
 *
 * @param name a shipped name or a folder; null to serve adapters on the base their record names
 * @param pooling for a folder that does not declare its own; else null
 */
public record BaseModel(String name, Pooling pooling) {

  /** all-MiniLM-L6-v2, the main job's base. */
  public static final BaseModel DEFAULT = new BaseModel("all-MiniLM-L6-v2", null);

  /**
   * The encoder to train on, texts cut to {@code maxLength} tokens.
   *
   * @throws IllegalStateException if no base is named
   */
  public BertEncoder open(int maxLength) throws IOException {
    if (name == null) {
      throw new IllegalStateException("no base named: training needs a base");
    }
    return BertEncoder.open(name, pooling, maxLength);
  }

  /**
   * The encoder saved adapters were trained on ({@link BertEncoder#forAdapters}): the base their
   * record names, or this folder.
   *
   * @param maxLength tokens per text, or null for the length they were trained with
   */
  public BertEncoder forAdapters(ClassifierRecord record, Integer maxLength) throws IOException {
    if (pooling != null) {
      throw new IllegalArgumentException("adapters record their pooling; give no pooling when loading them");
    }
    return BertEncoder.forAdapters(record, name, maxLength);
  }
}
