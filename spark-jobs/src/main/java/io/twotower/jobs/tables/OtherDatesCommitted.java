package io.twotower.jobs.tables;

import java.util.List;

/**
 * Delta refused a commit of this run because runs for other dates committed the same table
 * meanwhile (a whole-table rewrite such as vocabularies). Nothing was lost: the stage can run again
 * on what they committed (see {@link io.twotower.jobs.StageAttempts}).
 */
public final class OtherDatesCommitted extends RuntimeException {

  private final String table;

  OtherDatesCommitted(String table, List<RunTag> others, Throwable deltaError) {
    super(table + " was committed meanwhile by " + others, deltaError);
    this.table = table;
  }

  public String table() {
    return table;
  }
}
