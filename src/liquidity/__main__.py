from liquidity.cli import main

main()
