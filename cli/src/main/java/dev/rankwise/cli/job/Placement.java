package dev.rankwise.cli.job;

import dev.rankwise.encoders.bert.BertConfig;
import dev.rankwise.encoders.bert.BertConfig.Layout;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.function.Function;

/**
 * Where on a base the methods put their adapters. The methods are declared on all-MiniLM-L6-v2's
 * top two layers ({@link EncoderMethods#Q4} … {@link EncoderMethods#V5}); a placement moves those
 * targets onto another base's layers, under its names for the query and value projections.
 */
public enum Placement {

  /** The query and value projections of the base's top two layers ({@link EncoderMethods#onBase}). */
  TOP_TWO,

  /**
   * The query and value projections of every layer, each with the declared adapter: no layer's
   * states can be computed once for all steps, so a step costs a full forward and backward pass.
   */
  EVERY_LAYER;

  /** The placement a command-line word names: {@code top-two} or {@code every-layer}. */
  public static Placement parse(String word) {
    for (Placement placement : values()) {
      if (placement.word().equals(word)) {
        return placement;
      }
    }
    throw new IllegalArgumentException("no placement '" + word + "'; the placements are top-two and every-layer");
  }

  /** The command-line and record word: {@code top-two} or {@code every-layer}. */
  public String word() {
    return name().toLowerCase(Locale.ROOT).replace('_', '-');
  }

  /** The layers it adapts, for prose: "the top two layers" or "every layer". */
  public String layers() {
    return switch (this) {
      case TOP_TWO -> "the top two layers";
      case EVERY_LAYER -> "every layer";
    };
  }

  /** What each declared target becomes on a base of {@code config}. */
  Function<String, List<String>> targets(BertConfig config) {
    if (this == TOP_TWO) {
      var top = EncoderMethods.onBase(config);
      return pattern -> List.of(top.apply(pattern));
    }
    Layout layout = config.layout();
    List<String> queries = new ArrayList<>();
    List<String> values = new ArrayList<>();
    for (int layer = 0; layer < config.layers(); layer++) {
      queries.add(layout.queryPath(layer));
      values.add(layout.valuePath(layer));
    }
    return pattern -> switch (pattern) {
      case EncoderMethods.Q4, EncoderMethods.Q5 -> queries;
      case EncoderMethods.V4, EncoderMethods.V5 -> values;
      default -> throw new IllegalStateException("'" + pattern + "' is not one of the methods' targets");
    };
  }
}
