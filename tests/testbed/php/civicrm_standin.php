<?php
/**
 * The generated release's stand-in for the CiviCRM classes civiup's upgrade
 * runner calls (docs/testbed.md), written as CRM/Core/ClassLoader.php: the
 * same public signatures as civicrm-core (CRM/Upgrade/Form.php,
 * CRM/Queue/Runner.php, CRM/Queue/Queue.php, CRM/Queue/Task.php,
 * CRM/Core/BAO/Domain.php ...), and the same database work, in the same steps,
 * as the C++ stand-in `civiup-testbed upgrade-db` (standin_upgrade.cpp), with
 * its knobs:
 *   CIVIUP_STANDIN_FAIL_AT=STEP        the task of STEP throws
 *   CIVIUP_STANDIN_HANG=STEP           STEP sleeps until killed
 *   CIVIUP_STANDIN_EXIT0_UPGRADE=1     the stamp task "succeeds" without
 *                                      stamping: X.Y.Z.upgrade is left, exit 0
 *   CIVIUP_STANDIN_PHP_FATAL=STEP      STEP dies of a PHP fatal error
 *   CIVIUP_STANDIN_DELAY_MS=N          N ms before every step
 *   CIVIUP_STANDIN_LOG=FILE            one line per run (cwd, from, to, outcome)
 * Steps: start, drop-triggers, mark, add-column, create-table, change-rows,
 * rebuild-triggers, stamp, finish.
 */

function ts($text, $params = array()) {
  foreach ($params as $key => $value) {
    $text = str_replace("%$key", $value, $text);
  }
  return $text;
}

class CRM_Core_Exception extends Exception {
}

class CRM_Core_ClassLoader {
  public static function singleton() {
    return new self();
  }

  // Every class is in this file.
  public function register() {
  }

}

class CRM_Standin {
  const STEPS = array('start', 'drop-triggers', 'mark', 'add-column', 'create-table', 'change-rows',
    'rebuild-triggers', 'stamp', 'finish');

  public static $db;
  public static $from = '?';
  public static $to = '?';
  public static $triggers = array();

  public static function db() {
    if (!self::$db) {
      $parts = parse_url(CIVICRM_DSN);
      mysqli_report(MYSQLI_REPORT_ERROR | MYSQLI_REPORT_STRICT);
      self::$db = new mysqli($parts['host'], rawurldecode($parts['user']), rawurldecode($parts['pass'] ?? ''),
        ltrim($parts['path'], '/'), $parts['port'] ?? 3306);
      self::$db->set_charset('utf8mb4');
    }
    return self::$db;
  }

  public static function query($sql) {
    $result = self::db()->query($sql);
    return $result === TRUE ? array() : $result->fetch_all(MYSQLI_NUM);
  }

  public static function value($sql) {
    $rows = self::query($sql);
    return $rows ? $rows[0][0] : NULL;
  }

  public static function text($value) {
    return "'" . self::db()->real_escape_string($value) . "'";
  }

  public static function knob($name) {
    $value = getenv($name);
    return $value === FALSE ? '' : $value;
  }

  public static function log($outcome) {
    if (($file = self::knob('CIVIUP_STANDIN_LOG')) !== '') {
      file_put_contents($file, sprintf("cwd=%s from=%s to=%s outcome=%s\n", getcwd(), self::$from, self::$to, $outcome),
        FILE_APPEND);
    }
  }

  // Before every step: the delay, then fail / hang / fatal when a knob names it.
  public static function step($step) {
    foreach (array('CIVIUP_STANDIN_FAIL_AT', 'CIVIUP_STANDIN_HANG', 'CIVIUP_STANDIN_PHP_FATAL') as $knob) {
      if (self::knob($knob) !== '' && !in_array(self::knob($knob), self::STEPS, TRUE)) {
        throw new CRM_Core_Exception("unknown step '" . self::knob($knob) . "' in $knob");
      }
    }
    if (($delay = (int) self::knob('CIVIUP_STANDIN_DELAY_MS')) > 0) {
      usleep($delay * 1000);
    }
    if (self::knob('CIVIUP_STANDIN_FAIL_AT') === $step) {
      self::log("failed-at-$step");
      throw new CRM_Core_Exception(sprintf("stand-in upgrade to %s failed at step '%s' (CIVIUP_STANDIN_FAIL_AT)", self::$to, $step));
    }
    if (self::knob('CIVIUP_STANDIN_HANG') === $step) {
      print "Hanging at step '$step' (CIVIUP_STANDIN_HANG); kill me.\n";
      flush();
      self::log("hang-at-$step");
      while (TRUE) {
        sleep(60);
      }
    }
    if (self::knob('CIVIUP_STANDIN_PHP_FATAL') === $step) {
      self::log("fatal-at-$step");
      // A real fatal error, which no try/catch sees: a function declared twice.
      eval('function civiup_standin_fatal() {} function civiup_standin_fatal() {}');
    }
  }

  public static function suffix() {
    return preg_replace('/[^0-9A-Za-z]/', '_', self::$to);
  }

  public static function hasTable($name) {
    return self::value('SELECT COUNT(*) FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = '
      . self::text($name)) !== '0';
  }

}

class CRM_Core_Config {
  private static $singleton;

  public static function singleton($loadFromDB = TRUE, $force = FALSE) {
    if (!self::$singleton) {
      self::$singleton = new self();
      CRM_Standin::db();
    }
    return self::$singleton;
  }

}

class CRM_Utils_System {
  public static function version() {
    global $civicrm_root;
    $text = file_get_contents(rtrim($civicrm_root, '/') . '/civicrm-version.php');
    return preg_match("/'version'\\s*=>\\s*'([^']+)'/", $text, $m) ? $m[1] : NULL;
  }

}

class CRM_Core_BAO_Domain {
  public static function version($skipUsingCache = FALSE) {
    return CRM_Standin::value('SELECT version FROM civicrm_domain ORDER BY id LIMIT 1');
  }

}

class CRM_Utils_File {
  public static function tempnam($prefix = 'tmp-') {
    return tempnam(sys_get_temp_dir(), $prefix);
  }

}

class CRM_Utils_String {
  public static function htmlToText($html) {
    return trim(html_entity_decode(strip_tags(str_replace(array('<br/>', '<br>', '</li>'), "\n", (string) $html))));
  }

}

class CRM_Core_TemporaryErrorScope {
  public static function useException() {
    return new self();
  }

}

class CRM_Core_Session {
  public static function singleton() {
    return new self();
  }

  public function reset($all = 1) {
  }

}

class CRM_Core_DAO {
  // CiviCRM drops its triggers before upgrading and rebuilds them from its
  // own definitions afterwards; the stand-in keeps their definitions.
  public static function dropTriggers($tableName = NULL) {
    CRM_Standin::step('drop-triggers');
    print "Dropping SQL triggers.\n";
    $names = CRM_Standin::query("SELECT TRIGGER_NAME FROM information_schema.TRIGGERS WHERE TRIGGER_SCHEMA = DATABASE()"
      . " AND TRIGGER_NAME LIKE 'civicrm\\_%'");
    foreach ($names as $row) {
      $create = CRM_Standin::query('SHOW CREATE TRIGGER `' . $row[0] . '`');
      CRM_Standin::$triggers[$row[0]] = preg_replace('/^CREATE DEFINER=\S+ TRIGGER/', 'CREATE TRIGGER', $create[0][2]);
      CRM_Standin::query('DROP TRIGGER IF EXISTS `' . $row[0] . '`');
    }
  }

}

class CRM_Queue_TaskContext {
  public $queue;
  public $log;

}

class CRM_Queue_Task {
  public $callback;
  public $arguments;
  public $title;

  public function __construct($callback, $arguments, $title = NULL) {
    $this->callback = $callback;
    $this->arguments = $arguments;
    $this->title = $title;
  }

  public function run($taskCtx) {
    return call_user_func_array($this->callback, array_merge(array($taskCtx), $this->arguments));
  }

}

// An in-memory CRM_Queue_Queue_Sql: items by weight, then by creation.
class CRM_Queue_Queue {
  private $name;
  private $items = array();
  private $claimed = NULL;
  private $next = 0;

  public function __construct($name) {
    $this->name = $name;
  }

  public function getName() {
    return $this->name;
  }

  public function createItem($data, $options = array()) {
    $this->items[] = (object) array('id' => $this->next++, 'weight' => $options['weight'] ?? 0, 'data' => $data);
    usort($this->items, function ($a, $b) {
      return array($a->weight, $a->id) <=> array($b->weight, $b->id);
    });
  }

  public function numberOfItems() {
    return count($this->items);
  }

  public function claimItem($lease_time = 3600) {
    return $this->items ? $this->items[0] : FALSE;
  }

  public function stealItem($lease_time = 3600) {
    return $this->claimItem();
  }

  public function deleteItem($item) {
    $this->items = array_values(array_filter($this->items, function ($i) use ($item) {
      return $i->id !== $item->id;
    }));
  }

  public function releaseItem($item) {
  }

}

class CRM_Queue_Runner {
  const ERROR_CONTINUE = 1;
  const ERROR_ABORT = 2;
  public $title;
  public $queue;
  public $errorMode;
  private $lastTaskTitle = '';
  private $taskCtx;

  public function __construct($runnerSpec) {
    $this->title = $runnerSpec['title'] ?? 'Queue Runner';
    $this->queue = $runnerSpec['queue'];
    $this->errorMode = $runnerSpec['errorMode'] ?? self::ERROR_ABORT;
  }

  public function runAll() {
    do {
      $result = $this->runNext();
    } while ($result['is_continue']);
    return $result['numberOfItems'] == 0 && !$result['is_error'] ? TRUE : $result;
  }

  public function runNext($useSteal = FALSE) {
    $item = $useSteal ? $this->queue->stealItem() : $this->queue->claimItem();
    if (!$item) {
      return $this->formatTaskResult(FALSE, new Exception('Failed to claim next task'));
    }
    $this->lastTaskTitle = $item->data->title;
    $exception = NULL;
    try {
      $isOK = $item->data->run($this->getTaskContext());
      if (!$isOK) {
        $exception = new Exception('Task returned false');
      }
    }
    catch (Exception $e) {
      $isOK = FALSE;
      $exception = $e;
    }
    if ($isOK) {
      $this->queue->deleteItem($item);
    }
    else {
      $this->queue->releaseItem($item);
    }
    return $this->formatTaskResult($isOK, $exception);
  }

  public function formatTaskResult($isOK, $exception = NULL) {
    $count = $this->queue->numberOfItems();
    return array(
      'is_error' => $isOK ? 0 : 1,
      'exception' => $exception,
      'last_task_title' => $this->lastTaskTitle,
      'numberOfItems' => $count,
      'is_continue' => ($count > 0 && ($isOK || $this->errorMode == self::ERROR_CONTINUE)) ? 1 : 0,
    );
  }

  protected function getTaskContext() {
    if (!$this->taskCtx) {
      $this->taskCtx = new CRM_Queue_TaskContext();
      $this->taskCtx->queue = $this->queue;
    }
    return $this->taskCtx;
  }

}

class CRM_Upgrade_Form {
  public function getUpgradeVersions() {
    $latestVer = CRM_Utils_System::version();
    $currentVer = CRM_Core_BAO_Domain::version(TRUE);
    CRM_Standin::$from = (string) $currentVer;
    CRM_Standin::$to = (string) $latestVer;
    CRM_Standin::step('start');
    if (!$currentVer) {
      CRM_Standin::log('error');
      throw new CRM_Core_Exception(ts('Version information missing in civicrm database.'));
    }
    elseif (stripos($currentVer, 'upgrade')) {
      CRM_Standin::log('error');
      throw new CRM_Core_Exception(ts('Database check failed - the database looks to have been partially upgraded. You may want to reload the database with the backup and try the upgrade process again.'));
    }
    if (version_compare($latestVer, $currentVer) == 0) {
      CRM_Standin::log('already-upgraded');
    }
    elseif (version_compare($latestVer, $currentVer) < 0) {
      CRM_Standin::log('error');
    }
    return array($currentVer, $latestVer);
  }

  public function checkUpgradeableVersion($currentVer, $latestVer) {
    return FALSE;
  }

  public function setPreUpgradeMessage(&$preUpgradeMessage, $currentVer, $latestVer) {
  }

  public static function buildQueue($currentVer, $latestVer, $postUpgradeMessageFile) {
    $queue = new CRM_Queue_Queue('civicrm-upgrade');
    $tasks = array(
      'mark' => "Begin Upgrade to $latestVer",
      'add-column' => "Upgrade DB to $latestVer: SQL",
      'create-table' => "Upgrade DB to $latestVer: create civicrm_standin_" . CRM_Standin::suffix(),
      'change-rows' => "Upgrade DB to $latestVer: update rows",
      'rebuild-triggers' => 'Rebuild',
      'stamp' => "Finish Upgrade DB to $latestVer",
    );
    foreach ($tasks as $step => $title) {
      $queue->createItem(new CRM_Queue_Task(array('CRM_Upgrade_Form', 'doStandinStep'), array($step, $postUpgradeMessageFile), $title));
    }
    return $queue;
  }

  public static function doStandinStep(CRM_Queue_TaskContext $ctx, $step, $postUpgradeMessageFile) {
    CRM_Standin::step($step);
    $to = CRM_Standin::$to;
    $column = '`upgrade_' . CRM_Standin::suffix() . '_note`';
    $table = '`civicrm_standin_' . CRM_Standin::suffix() . '`';
    switch ($step) {
      case 'mark':
        CRM_Standin::query('UPDATE civicrm_domain SET version = ' . CRM_Standin::text("$to.upgrade"));
        break;

      case 'add-column':
        if (CRM_Standin::hasTable('civicrm_contact')) {
          CRM_Standin::query("ALTER TABLE civicrm_contact ADD COLUMN IF NOT EXISTS $column VARCHAR(255) DEFAULT NULL"
            . ' COMMENT ' . CRM_Standin::text("added by the stand-in upgrade to $to"));
        }
        break;

      case 'create-table':
        CRM_Standin::query("CREATE TABLE IF NOT EXISTS $table (id INT UNSIGNED NOT NULL AUTO_INCREMENT, name VARCHAR(64) NOT NULL,"
          . ' value TEXT DEFAULT NULL, created_date TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP, PRIMARY KEY (id),'
          . ' UNIQUE KEY UI_name (name)) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci ROW_FORMAT=DYNAMIC');
        CRM_Standin::query("INSERT IGNORE INTO $table (name, value) VALUES ('upgraded_from', "
          . CRM_Standin::text(CRM_Standin::$from) . "), ('upgraded_to', " . CRM_Standin::text($to) . ')');
        break;

      case 'change-rows':
        $label = CRM_Standin::text("Upgrade $to");
        if (CRM_Standin::hasTable('civicrm_option_value') && CRM_Standin::hasTable('civicrm_option_group')) {
          CRM_Standin::query("INSERT INTO civicrm_option_value (option_group_id, label, value, name, weight, is_reserved)"
            . " SELECT g.id, $label, $label, $label, 100, 1 FROM civicrm_option_group g WHERE g.name = 'activity_type'"
            . " AND NOT EXISTS (SELECT 1 FROM civicrm_option_value v WHERE v.option_group_id = g.id AND v.name = $label)");
        }
        if (CRM_Standin::hasTable('civicrm_contact')) {
          CRM_Standin::query("UPDATE civicrm_contact SET $column = " . CRM_Standin::text("upgraded to $to") . ' WHERE id % 100 = 1');
        }
        if (CRM_Standin::hasTable('civicrm_extension')) {
          CRM_Standin::query('UPDATE civicrm_extension SET schema_version = ' . CRM_Standin::text($to)
            . " WHERE full_name = 'org.civicrm.search_kit'");
        }
        if (CRM_Standin::hasTable('civicrm_cache')) {
          CRM_Standin::query('DELETE FROM civicrm_cache');
        }
        break;

      case 'rebuild-triggers':
        foreach (CRM_Standin::$triggers as $statement) {
          CRM_Standin::query($statement);
        }
        break;

      case 'stamp':
        if (CRM_Standin::knob('CIVIUP_STANDIN_EXIT0_UPGRADE') !== '' && CRM_Standin::knob('CIVIUP_STANDIN_EXIT0_UPGRADE') !== '0') {
          // A CiviCRM that reports success and leaves the database half upgraded.
          CRM_Standin::log('exit0-with-upgrade');
          return TRUE;
        }
        CRM_Standin::query('UPDATE civicrm_domain SET version = ' . CRM_Standin::text($to));
        break;
    }
    return TRUE;
  }

  public static function doFinish() {
    CRM_Standin::step('finish');
    if (CRM_Standin::knob('CIVIUP_STANDIN_EXIT0_UPGRADE') === '' || CRM_Standin::knob('CIVIUP_STANDIN_EXIT0_UPGRADE') === '0') {
      CRM_Standin::log('upgraded');
    }
    return TRUE;
  }

}
