package dev.rankwise.cli;

import java.nio.file.Path;

/**
 * A command that writes into a folder (adapters, checkpoints, reports): {@link RankwiseCli} runs it
 * holding that folder's {@link OutputLock}, so that two runs never write one folder at once.
 */
interface WritesOutput {

  /** The folder this run writes into, normally {@code --out}. */
  Path outputFolder();
}
