/** LOG_FORMAT=auto (the default): text lines on a terminal, JSON records when piped or collected; either forced. */
import { loadSettings } from '../src/config/settings';
import { bannerPrinter, configureLogging, getLogger, LogCollector } from '../src/observability/logging';

/** A collector that says it is a terminal, as process.stdout does on a TTY. */
class TerminalCollector extends LogCollector {
  readonly isTTY = true;
}

describe('log format', () => {
  afterEach(() => configureLogging({ format: 'json', destination: process.stdout }));

  it('defaults to auto', () => {
    expect(loadSettings({}).LOG_FORMAT).toBe('auto');
    expect(loadSettings({ LOG_FORMAT: 'json' }).LOG_FORMAT).toBe('json');
  });

  it('auto writes text on a terminal: start-up lines as `[relay] …`, records as `time LEVEL message`', () => {
    const terminal = new TerminalCollector();
    configureLogging({ format: loadSettings({}).LOG_FORMAT, level: 'INFO', destination: terminal });
    bannerPrinter('relay')('Temporal Web UI: http://127.0.0.1:8233');
    getLogger('callbacks').info('callback delivered', { status: 200 });
    const [banner, record] = terminal.lines();
    expect(banner).toBe('[relay] Temporal Web UI: http://127.0.0.1:8233');
    expect(record).toMatch(/^\d{4}-\d\d-\d\dT\S+Z INFO {2}callback delivered component=callbacks status=200$/);
  });

  it('auto writes one JSON record per line when piped or collected', () => {
    const pipe = new LogCollector();
    configureLogging({ format: 'auto', level: 'INFO', destination: pipe });
    bannerPrinter('relay')('worker running');
    expect(pipe.records()).toEqual([expect.objectContaining({ level: 'INFO', message: 'worker running' })]);
  });

  it('json and text force their format whatever the destination', () => {
    const terminal = new TerminalCollector();
    configureLogging({ format: 'json', destination: terminal });
    bannerPrinter('relay')('a');
    expect(terminal.records()).toEqual([expect.objectContaining({ message: 'a', component: 'relay' })]);
    const pipe = new LogCollector();
    configureLogging({ format: 'text', destination: pipe });
    bannerPrinter('relay')('b');
    expect(pipe.lines()).toEqual(['[relay] b']);
  });
});
