import { App, Stack } from 'aws-cdk-lib';
import { describe, expect, it } from 'vitest';
import { oncePerApp } from '../../src/common/per-app.js';

describe('oncePerApp', () => {
  it('makes a value once for all the stacks of one App', () => {
    const app = new App();
    let made = 0;
    const make = () => ({ made: ++made });
    const first = oncePerApp(new Stack(app, 'One'), 'thing', make);
    const second = oncePerApp(new Stack(app, 'Two'), 'thing', make);
    expect(second).toBe(first);
    expect(made).toBe(1);
  });

  it('makes it afresh for another App, and for another key', () => {
    let made = 0;
    const make = () => ++made;
    const one = new Stack(new App(), 'S');
    expect(oncePerApp(one, 'thing', make)).toBe(1);
    expect(oncePerApp(new Stack(new App(), 'S'), 'thing', make)).toBe(2);
    expect(oncePerApp(one, 'other', make)).toBe(3);
    expect(oncePerApp(one, 'thing', make)).toBe(1);
  });
});
