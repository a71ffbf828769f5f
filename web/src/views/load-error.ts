// What a page shows when a read failed: the error in words and a Retry button, until a load works
// (the Accounts page has its own, which also says how old the data on screen is).
import { h } from '../dom.ts';

export class LoadError {
  readonly el: HTMLElement;
  private readonly text: HTMLElement;

  constructor(retry: () => void) {
    this.text = h('p', { role: 'alert' });
    const button = h('button', { type: 'button', class: 'secondary', onclick: () => { this.text.textContent = 'Trying again…'; retry(); } }, 'Retry');
    this.el = h('div', { class: 'callout tone-error', 'data-testid': 'load-error', hidden: true }, this.text, button);
  }

  show(words: string): void {
    // Set only when the words change, so a screen reader hears a repeated failure once.
    if (this.text.textContent !== words) this.text.textContent = words;
    this.el.hidden = false;
  }

  clear(): void {
    this.el.hidden = true;
    this.text.textContent = '';
  }
}
