// Terminal colour themes (xterm.js ITheme). Contrast chosen for WCAG AA on the default text.
import type { ITheme } from '@xterm/xterm';

export type ThemeName = 'dark' | 'light' | 'solarized';

export const THEMES: Record<ThemeName, ITheme> = {
  dark: {
    background: '#0b1120', foreground: '#e2e8f0', cursor: '#38bdf8', cursorAccent: '#0b1120',
    selectionBackground: '#334155', black: '#1e293b', red: '#f87171', green: '#4ade80', yellow: '#facc15',
    blue: '#60a5fa', magenta: '#c084fc', cyan: '#22d3ee', white: '#e2e8f0', brightBlack: '#64748b',
    brightRed: '#fca5a5', brightGreen: '#86efac', brightYellow: '#fde047', brightBlue: '#93c5fd',
    brightMagenta: '#d8b4fe', brightCyan: '#67e8f9', brightWhite: '#f8fafc',
  },
  light: {
    background: '#ffffff', foreground: '#1e293b', cursor: '#0369a1', cursorAccent: '#ffffff',
    selectionBackground: '#bfdbfe', black: '#1e293b', red: '#b91c1c', green: '#15803d', yellow: '#a16207',
    blue: '#1d4ed8', magenta: '#7e22ce', cyan: '#0e7490', white: '#e2e8f0', brightBlack: '#475569',
    brightRed: '#dc2626', brightGreen: '#16a34a', brightYellow: '#ca8a04', brightBlue: '#2563eb',
    brightMagenta: '#9333ea', brightCyan: '#0891b2', brightWhite: '#f8fafc',
  },
  solarized: {
    background: '#002b36', foreground: '#93a1a1', cursor: '#93a1a1', cursorAccent: '#002b36',
    selectionBackground: '#073642', black: '#073642', red: '#dc322f', green: '#859900', yellow: '#b58900',
    blue: '#268bd2', magenta: '#d33682', cyan: '#2aa198', white: '#eee8d5', brightBlack: '#586e75',
    brightRed: '#cb4b16', brightGreen: '#93a1a1', brightYellow: '#839496', brightBlue: '#839496',
    brightMagenta: '#6c71c4', brightCyan: '#93a1a1', brightWhite: '#fdf6e3',
  },
};

export function isThemeName(value: string): value is ThemeName {
  return value === 'dark' || value === 'light' || value === 'solarized';
}
